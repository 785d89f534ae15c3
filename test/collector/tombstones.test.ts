import { createExecutionContext, createMessageBatch, env, getQueueResult } from 'cloudflare:test'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { ExportMessage } from '../../collector/export/message.ts'
import { tombstonedChanges } from '../../collector/export/tombstones.ts'
import worker from '../../collector/index.ts'
import { uniqueId } from './helpers.ts'

// The export queue delivers at least once and in any order (retries come back later, a profile's
// last changes may still be queued when it is merged or erased). Whatever the order, the D1 tag
// index and change log must end as they end when every message is delivered once, in the order
// the profiles sent them: a change dated up to a profile's merge or erasure never brings it back.

/** What one profile does, in time order: a tag changes, it merges into another, or is erased. */
type Step =
  | { kind: 'change'; tag: number; to: string | number | null }
  | { kind: 'merge' }
  | { kind: 'erase' }

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('change' as const),
      tag: fc.integer({ min: 0, max: 1 }),
      to: fc.oneof(fc.constantFrom('a', 'b'), fc.integer({ min: 0, max: 2 }), fc.constant(null)),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'merge' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'erase' as const }) },
)

/**
 * The messages two profiles send, in the order they send them, as the collector can: a merged
 * profile commits nothing after its merge (it is a forward) until it is erased, after which the id
 * may live again. Times are distinct and increasing, as one profile's clock gives them.
 */
function messagesOf(prefix: string, steps: readonly { profile: number; step: Step }[]) {
  const merged = new Set<number>()
  const messages: ExportMessage[] = []
  steps.forEach(({ profile: n, step }, position) => {
    const profile = `${prefix}-p${n}`
    const at = 1000 + position
    const id = `${prefix}-${position}`
    if (step.kind === 'change' && !merged.has(n))
      messages.push({
        type: 'tag.changed',
        change: {
          id,
          profile,
          tag: `t${step.tag}`,
          from: null,
          to: step.to,
          at,
          rulesVersion: '1',
        },
      })
    if (step.kind === 'merge' && !merged.has(n)) {
      merged.add(n)
      messages.push({ type: 'profile.merged', merge: { id, profile, into: `${prefix}-user`, at } })
    }
    if (step.kind === 'erase') {
      merged.delete(n)
      messages.push({ type: 'profile.deleted', deletion: { id, profile, at } })
    }
  })
  return messages
}

/** Runs the Worker's queue consumer on one delivery of `messages`. */
async function deliver(messages: readonly ExportMessage[]) {
  const batch = createMessageBatch<ExportMessage>(
    'tagwise-tag-changes',
    messages.map((body) => ({ id: uniqueId('m'), timestamp: new Date(), attempts: 1, body })),
  )
  const ctx = createExecutionContext()
  await worker.queue(batch, env, ctx)
  expect((await getQueueResult(batch, ctx)).retryMessages).toEqual([])
}

/** The index and log rows of profiles under `prefix`, the prefix taken out. */
async function tablesOf(prefix: string) {
  const strip = (text: string) => text.slice(prefix.length)
  const index = await env.DB.prepare(
    `SELECT profile, tag, value, num, updated_at FROM tag_index WHERE profile LIKE ?
     ORDER BY profile, tag`,
  )
    .bind(`${prefix}-%`)
    .all<{ profile: string }>()
  const log = await env.DB.prepare(
    `SELECT id, profile, tag, to_value, at FROM tag_changes WHERE profile LIKE ?
     ORDER BY profile, tag, at, id`,
  )
    .bind(`${prefix}-%`)
    .all<{ id: string; profile: string }>()
  return {
    index: index.results.map((row) => ({ ...row, profile: strip(row.profile) })),
    log: log.results.map((row) => ({ ...row, id: strip(row.id), profile: strip(row.profile) })),
  }
}

const stepsArbitrary = fc.array(
  fc.record({ profile: fc.integer({ min: 0, max: 1 }), step: stepArbitrary }),
  { minLength: 1, maxLength: 10 },
)

describe('the export consumer and tombstones', () => {
  it('ends in the index and log of in-order delivery, for deliveries reordered, repeated and batched anyhow', async () => {
    await fc.assert(
      fc.asyncProperty(
        stepsArbitrary,
        // Each delivery: which messages (by position, repeats allowed) in which order.
        fc.array(fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), { maxLength: 4 }),
        fc.infiniteStream(fc.nat()),
        async (steps, extraDeliveries, shuffle) => {
          const [inOrder, anyOrder] = [uniqueId('in'), uniqueId('any')]
          for (const message of messagesOf(inOrder, steps)) await deliver([message])

          const messages = messagesOf(anyOrder, steps)
          // Every message at least once: shuffled, cut into deliveries, then the extra ones.
          const order = messages
            .map((message) => ({ message, key: shuffle.next().value }))
            .sort((a, b) => a.key - b.key)
            .map(({ message }) => message)
          const cut = 1 + (shuffle.next().value % order.length)
          const deliveries = [
            order.slice(0, cut),
            order.slice(cut),
            ...extraDeliveries.map((picks) =>
              picks.map((pick) => messages[pick % messages.length]!),
            ),
          ]
          for (const delivery of deliveries) if (delivery.length) await deliver(delivery)
          expect(await tablesOf(anyOrder)).toEqual(await tablesOf(inOrder))
        },
      ),
      { numRuns: 40 },
    )
  })

  it('drops a change that a tombstone covers, recorded or in the same batch, and no other', () => {
    const change = (profile: string, at: number): ExportMessage => ({
      type: 'tag.changed',
      change: { id: `c${at}`, profile, tag: 't', from: null, to: true, at, rulesVersion: '1' },
    })
    const messages: ExportMessage[] = [
      change('a', 1),
      change('a', 3),
      { type: 'profile.merged', merge: { id: 'm', profile: 'a', into: 'u', at: 3 } },
      change('b', 1),
      change('b', 2),
      change('c', 5),
      { type: 'profile.deleted', deletion: { id: 'd', profile: 'c', at: 4 } },
    ]
    expect([...tombstonedChanges(messages, new Map([['b', 1]]))].sort()).toEqual([0, 1, 3])
  })
})
