// A profile object starts again after 10 s without a call (collector/README.md, "Benchmark"), so
// what it does on a cold start is paid by most batches of a visitor who pauses: its tables are
// brought up to date only when the schema text changed since they last were, and what it reads
// before its first batch is read in as few statements as the tables allow.
import { abortAllDurableObjects, runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it } from 'vitest'
import { anonymousProfile } from '../../rules/index.ts'
import { admin, json, post, track, uniqueId } from './helpers.ts'

/**
 * A table `PROFILE_SCHEMA` creates (`IF NOT EXISTS`) that a track batch never touches: dropped
 * before a cold start, whether it is back shows if the schema ran.
 */
const PROBE_TABLE = 'merging'

const inProfile = <T>(profile: string, body: (sql: SqlStorage) => T) =>
  runInDurableObject(env.PROFILES.getByName(profile), (_, state) => body(state.storage.sql))
const schemaMark = (profile: string) =>
  inProfile(
    profile,
    (sql) =>
      sql.exec<{ value: string }>(`SELECT value FROM meta WHERE key = 'schema'`).toArray()[0]
        ?.value,
  )
const hasProbeTable = (profile: string) =>
  inProfile(
    profile,
    (sql) =>
      sql
        .exec(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`, PROBE_TABLE)
        .toArray().length > 0,
  )

/**
 * A new profile's two 20-event batches, the first checkpointed (a new state) and the second stored
 * after the checkpoint; `third` sends a third batch (after the caller restarts the object).
 */
async function checkpointedThenStored() {
  const anon = uniqueId('a')
  const now = Date.now()
  const batch = (from: number) => ({
    batch: Array.from({ length: 20 }, (_, i) => track(anon, 'Product Viewed', from + i)),
  })
  for (const from of [now - 9000, now - 6000]) await post('/v1/batch', batch(from))
  return {
    profile: anonymousProfile(anon),
    third: () => post('/v1/batch', batch(now - 3000)),
  }
}

/** The profile's metrics, as the admin view shows them. */
const metricsOf = async (profile: string) =>
  (await json<{ metrics: Record<string, unknown> }>(await admin(`/v1/profiles/${profile}`))).metrics

describe('a profile object starting again', () => {
  it('runs the schema once per schema text, and counts as before', async () => {
    const anon = uniqueId('a')
    const profile = anonymousProfile(anon)
    const now = Date.now()
    const send = async (ms: number) =>
      json(await post('/v1/batch', { batch: [track(anon, 'Product Viewed', ms)] }))
    expect(await send(now - 4000)).toMatchObject({ accepted: 1 })
    // Its first write marks the storage with the schema it ran.
    const mark = await schemaMark(profile)
    expect(mark).toMatch(/^[0-9a-f]+-[0-9a-f]+$/)

    // Marked: a cold start runs no DDL (the table the schema creates stays dropped).
    await inProfile(profile, (sql) => sql.exec(`DROP TABLE ${PROBE_TABLE}`))
    await abortAllDurableObjects()
    expect(await send(now - 3000)).toMatchObject({ accepted: 1 })
    expect(await hasProbeTable(profile)).toBe(false)

    // Marked with another schema text, or not at all (profiles created before): it runs again.
    for (const stale of [`UPDATE meta SET value = 'old'`, `DELETE FROM meta`]) {
      await inProfile(profile, (sql) => {
        sql.exec(`DROP TABLE IF EXISTS ${PROBE_TABLE}`)
        sql.exec(`${stale} WHERE key = 'schema'`)
      })
      await abortAllDurableObjects()
      expect(await send(Date.now() - 2000)).toMatchObject({ accepted: 1 })
      expect(await hasProbeTable(profile)).toBe(true)
      expect(await schemaMark(profile)).toBe(mark)
    }

    expect(await metricsOf(profile)).toMatchObject({ product_views_session: 4 })
  })

  it('moves a checkpoint mark kept in meta (profiles created before) into the state row', async () => {
    // Checkpointed after the first batch: the second is replayed by a restore.
    const { profile, third } = await checkpointedThenStored()
    const mark = await inProfile(profile, (sql) => {
      const { up_to } = sql.exec<{ up_to: number }>(`SELECT up_to FROM state`).one()
      // The form of before: no column, the mark a `meta` row, the tables marked with another text.
      sql.exec(`ALTER TABLE state DROP COLUMN up_to`)
      sql.exec(`INSERT INTO meta (key, value) VALUES ('snapshot_up_to', ?)`, String(up_to))
      sql.exec(`UPDATE meta SET value = 'old' WHERE key = 'schema'`)
      return up_to
    })
    await abortAllDurableObjects()
    expect(await json(await third())).toMatchObject({ accepted: 20 })
    expect(
      await inProfile(profile, (sql) => ({
        upTo: sql.exec<{ up_to: number }>(`SELECT up_to FROM state`).one().up_to,
        legacy: sql.exec(`SELECT 1 FROM meta WHERE key = 'snapshot_up_to'`).toArray().length,
      })),
    ).toEqual({ upTo: mark, legacy: 0 })
    // Each batch counted once: the second one replayed from the moved mark, not lost or twice.
    expect(await metricsOf(profile)).toMatchObject({ product_views_session: 60 })
  })

  it('reads each table once: the table list, meta, state, events, tag history, outbox', async () => {
    // The first batch is checkpointed (a new state), the second is stored after the checkpoint:
    // the cold start replays it.
    const { profile, third } = await checkpointedThenStored()
    const recorded = await recordStatements(profile)
    await abortAllDurableObjects()
    recorded.length = 0
    expect(await json(await third())).toMatchObject({ accepted: 20 })
    // The profile's own: the storage that stored the batch (not the rules object's, say).
    // (the batch extends the row of the one before: EventStore.add).
    const storage = recorded.find(({ query }) => /^(INSERT INTO|UPDATE) event_batches/.test(query))
    const statements = recorded
      .filter((statement) => statement.storage === storage?.storage)
      .map(({ query }) => query)
    const reads = (table: string) =>
      statements.filter((query) => new RegExp(`^SELECT .*\\bFROM ${table}\\b`).test(query))
    expect(reads('sqlite_master')).toHaveLength(1)
    expect(reads('meta')).toHaveLength(1)
    expect(reads('event_batches')).toHaveLength(1)
    // The batch changes no tag: what is left is the state, the tag history, the outbox and the
    // batch's own row.
    expect(statements).toHaveLength(7)
    expect(await metricsOf(profile)).toMatchObject({ product_views_session: 60 })
  })
})

type Exec = (
  this: SqlStorage,
  query: string,
  ...bindings: SqlStorageValue[]
) => SqlStorageCursor<Record<string, SqlStorageValue>>

let restoreExec: (() => void) | undefined
afterEach(() => {
  restoreExec?.()
  restoreExec = undefined
})

/** A statement run, whitespace collapsed, and the storage it ran on. */
interface Statement {
  storage: SqlStorage
  query: string
}

/**
 * Records every statement any object runs from now on (the prototype's `exec`, so that an object
 * started later, and its constructor, are recorded too).
 */
async function recordStatements(profile: string): Promise<Statement[]> {
  const statements: Statement[] = []
  await inProfile(profile, (sql) => {
    const prototype = Object.getPrototypeOf(sql) as { exec: Exec }
    const exec = prototype.exec
    prototype.exec = function (query, ...bindings) {
      statements.push({ storage: this, query: query.replace(/\s+/g, ' ').trim() })
      return exec.call(this, query, ...bindings)
    }
    restoreExec = () => {
      prototype.exec = exec
    }
  })
  return statements
}
