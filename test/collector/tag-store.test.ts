import fc from 'fast-check'
import { runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { MAX_TAG_HISTORY } from '../../collector/limits.ts'
import { PROFILE_SCHEMA } from '../../collector/profile/schema.ts'
import { TagStore } from '../../collector/profile/tag-store.ts'
import type { TagValue } from '../../rules/index.ts'
import { uniqueId } from './helpers.ts'
import { ROWID_SCHEMA } from './rowid-schema.ts'

// A profile created now keeps its current tags in the history alone (each tag's latest change);
// one created before also has a `tags` table. Both must show the same tags and history, through
// restarts and the history's trim, which must never drop a tag's only record of its value.

/** A commit's new values (`null`: the tag is gone), a restart, or a merge clearing the profile. */
type Op =
  | { kind: 'commit'; values: [tag: string, to: TagValue | null][] }
  | { kind: 'restart' }
  | { kind: 'clear' }

const TAGS = ['a', 'b', 'c', 'd']
const value: fc.Arbitrary<TagValue | null> = fc.oneof(
  fc.constant(null),
  fc.constant(true),
  fc.constantFrom('low', 'mid', 'high'),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
)
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('commit' as const),
      values: fc.uniqueArray(fc.tuple(fc.constantFrom(...TAGS), value), {
        selector: ([tag]) => tag,
        maxLength: 3,
      }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'clear' as const }) },
)

interface Observed {
  current: Record<string, TagValue>
  history: unknown[]
}

/** Runs `ops` on a scratch profile whose tables `schema` creates: what it showed after each. */
function run(schema: string, ops: readonly Op[]): Promise<Observed[]> {
  return runInDurableObject(env.PROFILES.getByName(uniqueId('scratch')), (_, state) => {
    const sql = state.storage.sql
    sql.exec(schema)
    let store = new TagStore(sql)
    return ops.map((step, at) => {
      if (step.kind === 'restart') store = new TagStore(sql)
      else if (step.kind === 'clear') store.clear()
      else {
        const before = store.current()
        const changes = step.values
          .map(([tag, to]) => ({ tag, from: before[tag] ?? null, to }))
          .filter((change) => JSON.stringify(change.from) !== JSON.stringify(change.to))
        store.apply(changes, at)
      }
      return { current: store.current(), history: store.history() }
    })
  })
}

/** The tags the commits leave, by the model: each tag's last value. */
function expectedTags(ops: readonly Op[]): Record<string, TagValue>[] {
  let tags: Record<string, TagValue> = {}
  return ops.map((step) => {
    if (step.kind === 'clear') tags = {}
    else if (step.kind === 'commit')
      for (const [tag, to] of step.values)
        if (to === null) delete tags[tag]
        else tags[tag] = to
    return { ...tags }
  })
}

describe('TagStore', () => {
  it('shows the same tags and history with or without a tags table, as the model says', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 30 }), async (ops) => {
        const withHistory = await run(PROFILE_SCHEMA, ops)
        expect(withHistory).toEqual(await run(ROWID_SCHEMA, ops))
        expect(withHistory.map((observed) => observed.current)).toEqual(expectedTags(ops))
      }),
      { numRuns: 60 },
    )
  })

  it('keeps a tag set long ago through the trim of the history, and after a restart', async () => {
    const busy = MAX_TAG_HISTORY + 50
    const ops: Op[] = [
      { kind: 'commit', values: [['a', 'gold']] },
      ...Array.from({ length: busy }, (_, i): Op => ({ kind: 'commit', values: [['b', i]] })),
      { kind: 'restart' },
    ]
    for (const schema of [PROFILE_SCHEMA, ROWID_SCHEMA]) {
      const observed = await run(schema, ops)
      const last = observed[observed.length - 1]!
      expect(last.current).toEqual({ a: 'gold', b: busy - 1 })
      // The history shows the latest 1,000 changes: all of `b`.
      expect(last.history).toHaveLength(MAX_TAG_HISTORY)
      expect(last.history[MAX_TAG_HISTORY - 1]).toMatchObject({
        tag: 'b',
        to: busy - MAX_TAG_HISTORY,
      })
    }
  })
})
