import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { exportMessagesOf, type ExportMessage } from '../../collector/export/message.ts'
import { packCommits } from '../../collector/export/pack-commits.ts'
import { QUEUE_MESSAGE_BYTES, queueBytes } from '../../collector/export/queue-limits.ts'

// The outbox drain packs each commit's tag changes into as few queue messages as fit: what the
// consumer reads back must be every message, in order, each within a queue message's bytes.

const messageArbitrary: fc.Arbitrary<{ commit: number; message: ExportMessage }> = fc.record({
  commit: fc.integer({ min: 0, max: 2 }),
  message: fc.oneof(
    {
      weight: 5,
      arbitrary: fc.record({
        type: fc.constant('tag.changed' as const),
        change: fc.record({
          id: fc.uuid(),
          profile: fc.constantFrom('p', 'q'),
          tag: fc.string({ minLength: 1, maxLength: 4 }),
          from: fc.constant(null),
          // Values up to 60 KB: two of them fill a queue message.
          to: fc.oneof(fc.integer(), fc.string({ maxLength: 60_000 })),
          at: fc.integer({ min: 0 }),
          rulesVersion: fc.constant('1'),
        }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        type: fc.constant('profile.deleted' as const),
        deletion: fc.record({
          id: fc.uuid(),
          profile: fc.constant('p'),
          at: fc.integer({ min: 0 }),
        }),
      }),
    },
  ),
})

describe('packCommits', () => {
  it("carries every message in order, a commit's changes together, within a queue message", () => {
    fc.assert(
      fc.property(
        fc.array(messageArbitrary, { maxLength: 12 }).map((entries) =>
          // Commits are consecutive in an outbox.
          [...entries].sort((a, b) => a.commit - b.commit),
        ),
        (entries) => {
          const packed = packCommits(entries)
          expect(packed.flatMap(({ body }) => exportMessagesOf(body))).toEqual(
            entries.map((entry) => entry.message),
          )
          expect(packed.flatMap((p) => p.entries)).toEqual(entries)
          for (const { body, entries: carried } of packed) {
            expect(queueBytes(body)).toBeLessThanOrEqual(QUEUE_MESSAGE_BYTES)
            expect(new Set(carried.map((entry) => entry.commit)).size).toBe(1)
            if (body.type === 'tag.changes') expect(body.changes.length).toBeGreaterThan(1)
          }
          // Greedy: a queue message of changes is closed only by a full message or another commit.
          packed.slice(1).forEach(({ body, entries: carried }, i) => {
            const before = packed[i]!
            if (
              body.type !== 'profile.deleted' &&
              before.body.type !== 'profile.deleted' &&
              before.entries[0]!.commit === carried[0]!.commit
            ) {
              const merged = {
                type: 'tag.changes',
                changes: [...exportMessagesOf(before.body), ...exportMessagesOf(body)].flatMap(
                  (m) => (m.type === 'tag.changed' ? [m.change] : []),
                ),
              }
              expect(queueBytes(merged)).toBeGreaterThan(QUEUE_MESSAGE_BYTES)
            }
          })
        },
      ),
      { numRuns: 100 },
    )
  })
})
