import fc from 'fast-check'
import { runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { EVENT_RETENTION_MS } from '../../collector/limits.ts'
import { EventStore } from '../../collector/profile/event-store.ts'
import { PROFILE_SCHEMA } from '../../collector/profile/schema.ts'
import { uniqueId } from './helpers.ts'
import { ROWID_SCHEMA } from './rowid-schema.ts'

const NOW = Date.UTC(2025, 5, 1)
const DAY = 86_400_000

/**
 * What a profile does to its events table, as its callers do it: a batch stores the new events
 * and removes those the engine did not count (its own), a checkpoint takes the mark of the last
 * stored event (after a batch or a prune that deleted any), a restart is an object starting again.
 */
type Op =
  | { kind: 'batch'; ids: number[]; uncounted: number; receivedAt: number }
  | { kind: 'checkpoint' }
  | { kind: 'prune'; now: number }
  | { kind: 'restart' }

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('batch' as const),
      // A small pool of ids: retries and repeats within a batch are frequent.
      ids: fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 6 }),
      uncounted: fc.integer({ min: 0, max: 2 }),
      receivedAt: fc.integer({ min: NOW - EVENT_RETENTION_MS - 5 * DAY, max: NOW }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'checkpoint' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('prune' as const),
      now: fc.integer({ min: NOW - 5 * DAY, max: NOW + 5 * DAY }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
)

/** Everything a caller can read of the table after each operation. */
interface Observed {
  stored: string[]
  replayed: unknown[]
  byTime: unknown[]
  latest: unknown[]
  pages: unknown[]
  count: number
}

/** Runs `ops` on a scratch profile whose tables are created by `schema`; what each one showed. */
function run(schema: string, ops: readonly Op[]): Promise<Observed[]> {
  return runInDurableObject(env.PROFILES.getByName(uniqueId('scratch')), (_, state) => {
    const sql = state.storage.sql
    sql.exec(schema)
    let store = new EventStore(sql)
    let mark = 0
    let serial = 0
    return ops.map((step) => {
      let stored: string[] = []
      if (step.kind === 'batch') {
        const fresh = store.insertNew(
          step.ids.map((id) => ({
            messageId: `m${id}`,
            // Equal timestamps are frequent: the storage order breaks the tie.
            ts: NOW - (id % 4) * DAY,
            receivedAt: step.receivedAt,
            event: { id, serial: serial++ },
          })),
        )
        stored = [...fresh].sort()
        store.remove([...fresh].slice(0, step.uncounted))
      } else if (step.kind === 'checkpoint') mark = store.lastStored()
      else if (step.kind === 'prune') {
        if (store.prune(step.now)) mark = store.lastStored()
      } else store = new EventStore(sql)
      const pages: unknown[] = []
      for (let after: number | null = 0; after !== null;) {
        const page = store.page(after, 2, 1_000_000)
        pages.push(...page.events.map((event) => event.event))
        after = page.next
      }
      return {
        stored,
        replayed: [...store.after(mark)],
        byTime: [...store.byTime()],
        latest: store.latest(3),
        pages,
        count: store.count(),
      }
    })
  })
}

describe('EventStore on a WITHOUT ROWID table', () => {
  it('answers every read as on a rowid table, through batches, checkpoints, prunes and restarts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
        expect(await run(PROFILE_SCHEMA, ops)).toEqual(await run(ROWID_SCHEMA, ops))
      }),
      { numRuns: 40 },
    )
  })

  it('stores each messageId once, whatever the batches repeat', async () => {
    const outcome = await runInDurableObject(
      env.PROFILES.getByName(uniqueId('scratch')),
      (_, state) => {
        state.storage.sql.exec(PROFILE_SCHEMA)
        const store = new EventStore(state.storage.sql)
        const event = (id: string) => ({ messageId: id, ts: NOW, receivedAt: NOW, event: { id } })
        const first = [...store.insertNew([event('a'), event('b'), event('a')])]
        // An object that starts again knows them from the table's key alone.
        const again = [...new EventStore(state.storage.sql).insertNew([event('b'), event('c')])]
        return { first, again, count: store.count() }
      },
    )
    expect(outcome).toEqual({ first: ['a', 'b'], again: ['c'], count: 3 })
  })
})
