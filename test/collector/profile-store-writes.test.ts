import fc from 'fast-check'
import { runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { ProfileStore } from '../../collector/profile/store.ts'
import type { Json } from '../../rules/index.ts'
import { uniqueId } from './helpers.ts'

// The profile's small writes skip what did not change (docs/cost.md): what a store reads back,
// an object that starts again included, must be what was last saved.

/** Runs `body` with a scratch profile's store, its tables created. */
const withStore = <T>(body: (store: ProfileStore, sql: SqlStorage) => T) =>
  runInDurableObject(env.PROFILES.getByName(uniqueId('scratch')), (_, state) => {
    const store = new ProfileStore(state.storage.sql)
    store.setProfileId('p')
    return body(store, state.storage.sql)
  })

/** The rows the statements `body` runs on `sql` write (each counted once it ran). */
function rowsWritten(sql: SqlStorage, body: () => void): number {
  const cursors: SqlStorageCursor<Record<string, SqlStorageValue>>[] = []
  const exec = sql.exec.bind(sql)
  Object.defineProperty(sql, 'exec', {
    value: (query: string, ...bindings: unknown[]) => {
      const cursor = exec(query, ...bindings)
      cursors.push(cursor)
      return cursor
    },
    configurable: true,
  })
  try {
    body()
  } finally {
    Object.defineProperty(sql, 'exec', { value: exec, configurable: true })
  }
  return cursors.reduce((rows, cursor) => rows + cursor.rowsWritten, 0)
}

const traitsArbitrary = fc.dictionary(
  fc.constantFrom('plan', 'email', 'name', 'seats', 'country'),
  fc.oneof(fc.string({ maxLength: 3 }), fc.integer({ min: 0, max: 3 }), fc.constant(null)),
  { maxKeys: 5 },
)

describe('ProfileStore writes', () => {
  it('reads back the traits last saved, in their order, after any sequence of saves', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(traitsArbitrary, { minLength: 1, maxLength: 6 }), async (saves) => {
        const read = await withStore((store, sql) =>
          saves.map((traits) => {
            store.saveTraits(traits as Record<string, Json>)
            return Object.entries(new ProfileStore(sql).traits())
          }),
        )
        expect(read).toEqual(saves.map((traits) => Object.entries(traits)))
      }),
      { numRuns: 60 },
    )
  })

  it('writes no trait row when an identify repeats the stored traits', async () => {
    const written = await withStore((store, sql) => {
      store.saveTraits({ plan: 'plus', seats: 3 })
      // The second save alone.
      return rowsWritten(sql, () => store.saveTraits({ plan: 'plus', seats: 3 }))
    })
    expect(written).toBe(0)
  })

  it('saves a checkpoint as one row written, and reads back its mark', async () => {
    const saved = await withStore((store, sql) => {
      store.events.add([{ messageId: 'm1', ts: 1, receivedAt: 1, event: { type: 'track' } }])
      store.saveSnapshot('v1', { version: 1 })
      store.events.add([{ messageId: 'm2', ts: 2, receivedAt: 2, event: { type: 'track' } }])
      // The second checkpoint alone.
      return {
        written: rowsWritten(sql, () => store.saveSnapshot('v2', { version: 1, seq: 2 })),
        read: new ProfileStore(sql).snapshot(),
      }
    })
    expect(saved).toEqual({
      written: 1,
      read: { rulesVersion: 'v2', snapshot: { version: 1, seq: 2 }, upTo: 2 },
    })
  })

  it('keeps the forward as last set, each part of it', async () => {
    const forwards = await withStore((store, sql) => {
      store.setForward({ to: 'u1', at: 10, pending: true })
      const first = new ProfileStore(sql).forward()
      store.setForward({ to: 'u1', at: 10, pending: false })
      const released = new ProfileStore(sql).forward()
      store.setForward({ to: 'u2', at: 5, pending: true })
      const moved = new ProfileStore(sql).forward()
      const metaRows = sql
        .exec<{ n: number }>(`SELECT count(*) AS n FROM meta WHERE key LIKE 'forward%'`)
        .one().n
      return { first, released, moved, metaRows }
    })
    expect(forwards).toEqual({
      first: { to: 'u1', at: 10, pending: true },
      released: { to: 'u1', at: 10, pending: false },
      moved: { to: 'u2', at: 5, pending: true },
      metaRows: 3,
    })
  })
})
