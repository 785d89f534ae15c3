// A profile object starts again after 10 s without a call (collector/README.md, "Benchmark"), so
// what it does on a cold start is paid by most batches of a visitor who pauses: its tables are
// brought up to date only when the schema text changed since they last were.
import { abortAllDurableObjects, runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
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

    const view = await json<{ metrics: Record<string, unknown> }>(
      await admin(`/v1/profiles/${profile}`),
    )
    expect(view.metrics).toMatchObject({ product_views_session: 4 })
  })
})
