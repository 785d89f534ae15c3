import fc from 'fast-check'
import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import type { ExportedChange } from '../../collector/export/message.ts'
import { supersededChanges } from '../../collector/export/superseded-changes.ts'
import { changeStatements } from '../../collector/export/tag-index.ts'
import { uniqueId } from './helpers.ts'

// The export consumer leaves out the index write of a change that a later change of the same
// profile and tag in the same D1 batch supersedes (supersededChanges): the tag index and the
// change log must end as they end when every change is applied, whatever the order the queue
// delivers changes in (retries reorder them) and however they are split into batches.

interface Generated {
  profile: number
  tag: number
  to: string | number | null
  at: number
}

const changeArbitrary: fc.Arbitrary<Generated> = fc.record({
  profile: fc.integer({ min: 0, max: 1 }),
  tag: fc.integer({ min: 0, max: 1 }),
  to: fc.oneof(fc.constantFrom('a', 'b'), fc.integer({ min: 0, max: 2 }), fc.constant(null)),
  // Few distinct times: equal times of one tag are frequent.
  at: fc.integer({ min: 1, max: 4 }),
})

/** Applies `batches` of changes of profiles named under `prefix`, each batch one D1 batch. */
async function apply(
  prefix: string,
  batches: readonly Generated[][],
  skipSuperseded: boolean,
): Promise<void> {
  for (const [batchIndex, batch] of batches.entries()) {
    const changes: ExportedChange[] = batch.map((generated, position) => ({
      id: `${prefix}-${batchIndex}-${position}`,
      profile: `${prefix}-p${generated.profile}`,
      tag: `t${generated.tag}`,
      from: null,
      to: generated.to,
      at: generated.at,
      rulesVersion: '1',
    }))
    if (!changes.length) continue
    const superseded = skipSuperseded
      ? supersededChanges(changes.map((change) => ({ type: 'tag.changed' as const, change })))
      : new Set<number>()
    await env.DB.batch(
      changes.flatMap((change, position) =>
        changeStatements(env.DB, change, { index: !superseded.has(position) }),
      ),
    )
  }
}

/** The index and log rows of profiles under `prefix`, the prefix taken out. */
async function tablesOf(prefix: string) {
  const strip = (text: string) => text.slice(prefix.length)
  const index = await env.DB.prepare(
    `SELECT profile, tag, value, num, updated_at FROM tag_index WHERE profile LIKE ? ORDER BY profile, tag`,
  )
    .bind(`${prefix}-%`)
    .all<{ profile: string }>()
  const log = await env.DB.prepare(
    `SELECT id, profile, tag, to_value, at FROM tag_changes WHERE profile LIKE ? ORDER BY seq`,
  )
    .bind(`${prefix}-%`)
    .all<{ id: string; profile: string }>()
  return {
    index: index.results.map((row) => ({ ...row, profile: strip(row.profile) })),
    log: log.results.map((row) => ({ ...row, id: strip(row.id), profile: strip(row.profile) })),
  }
}

describe('the export consumer’s index writes', () => {
  it('leave the index and the log as applying every change does', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(changeArbitrary, { maxLength: 8 }), { minLength: 1, maxLength: 3 }),
        async (batches) => {
          const [all, latest] = [uniqueId('all'), uniqueId('latest')]
          await apply(all, batches, false)
          await apply(latest, batches, true)
          expect(await tablesOf(latest)).toEqual(await tablesOf(all))
        },
      ),
      { numRuns: 60 },
    )
  })

  it('writes the index once per profile and tag of a batch: the latest change', () => {
    const change = (tag: string, at: number): ExportedChange => ({
      id: uniqueId('c'),
      profile: 'p',
      tag,
      from: null,
      to: at,
      at,
      rulesVersion: '1',
    })
    const messages = [change('a', 1), change('b', 1), change('a', 3), change('a', 2)].map((c) => ({
      type: 'tag.changed' as const,
      change: c,
    }))
    expect([...supersededChanges(messages)].sort()).toEqual([0, 3])
  })
})
