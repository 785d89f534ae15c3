import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { afterAll, describe, expect, it } from 'vitest'
import catalog from '../../examples/rules/catalog.json'
import type { BackfillStatus } from '../../collector/rules/backfill.ts'
import { anonymousProfile } from '../../rules/index.ts'
import { admin, json, postAsServer, track, uniqueId } from './helpers.ts'
import { interceptD1 } from './intercepted-d1.ts'

// A publication that arrives while a backfill page is under way in the rules object's alarm (the
// alarm awaits its profiles and D1, so the object takes other calls meanwhile). By the Alarms API,
// `getAlarm()` answers null while the alarm handler runs unless `setAlarm` was called since, and
// the vitest pool's `runDurableObjectAlarm` deletes the alarm before it calls the handler, as the
// runtime does: so the publication sees no alarm set. Its new run must still get one, and must not
// be overwritten by the page that was under way when it was published.

const DAY = 86_400_000

/** The catalog with one metric's window changed: another version. */
const withWindow = (window: string) => ({
  ...catalog,
  metrics: { ...catalog.metrics, orders_30d: { ...catalog.metrics.orders_30d, window } },
})

const put = (document: unknown, query = '') =>
  admin(`/v1/rules${query}`, {
    method: 'PUT',
    body: JSON.stringify(document),
    headers: { 'content-type': 'application/json', 'if-match': '*' },
  })

const rulesObject = () => env.RULES.getByName('rules')
const progress = async () => json<BackfillStatus>(await admin('/v1/rules/backfill'))
const alarmSet = () => runInDurableObject(rulesObject(), (_, state) => state.storage.getAlarm())

/** The rules version a profile's stored state was built under. */
const storedVersion = (profile: string) =>
  runInDurableObject(
    env.PROFILES.getByName(profile),
    (_, state) =>
      state.storage.sql
        .exec<{ rules_version: string }>('SELECT rules_version FROM state')
        .toArray()[0]?.rules_version,
  )

/**
 * `real`, except that the directory seek asking whether a profile follows a backfill page (the
 * page's last D1 statement, after its profiles were rebuilt) waits until `release()`.
 */
function heldPageEnd(real: D1Database) {
  let release = () => {}
  const gate = new Promise<void>((resolve) => (release = resolve))
  const held = { waiting: 0, release: () => release(), db: real }
  held.db = interceptD1(real, async ({ sql, values, method }, proceed) => {
    // The seek with a limit of 1: whether a profile follows the page.
    if (method !== 'all' || values[1] !== 1 || !PAGE_END.test(sql)) return proceed()
    held.waiting++
    await gate
    return proceed()
  })
  return held
}

const PAGE_END = /FROM profiles WHERE id > \? ORDER BY id LIMIT/

afterAll(async () => {
  expect((await put(catalog)).status).toBe(200)
})

describe('a publication during a running backfill page', () => {
  it('starts its own run, which keeps its alarm and leaves every profile on the latest version', async () => {
    expect((await put(catalog)).status).toBe(200)
    const profiles: string[] = []
    for (let n = 0; n < 6; n++) {
      const anon = uniqueId('race')
      const at = Date.now() - (20 + n * 10) * DAY
      const order = track(anon, 'Order Completed', at, { properties: { revenue: 300 * n } })
      expect((await json(await postAsServer('/v1/batch', { batch: [order] }))).accepted).toBe(1)
      profiles.push(anonymousProfile(anon))
    }
    await expect
      .poll(async () => {
        const { results } = await env.DB.prepare(
          `SELECT id FROM profiles WHERE id IN (SELECT value FROM json_each(?))`,
        )
          .bind(JSON.stringify(profiles))
          .all()
        return results.length
      })
      .toBe(profiles.length)

    const first = await json<{ version: string }>(await put(withWindow('60d'), '?backfill=1'))
    const real = env.DB
    const held = heldPageEnd(real)
    env.DB = held.db
    let page: Promise<boolean>
    let latest: { version: string; backfill: BackfillStatus }
    try {
      page = runDurableObjectAlarm(rulesObject())
      // The page rebuilt its profiles with the first version and waits for its last D1 read.
      await expect.poll(() => held.waiting).toBe(1)
      expect(await alarmSet()).toBeNull()
      latest = await json(await put(withWindow('90d'), '?backfill=1'))
    } finally {
      held.release()
      env.DB = real
    }
    expect(await page).toBe(true)
    expect(latest.version).not.toBe(first.version)
    expect(latest.backfill).toMatchObject({ version: latest.version, state: 'running' })
    // The page under way ended without touching the new run, and the new run has its alarm.
    expect(await progress()).toMatchObject({ version: latest.version, state: 'running' })
    expect(await alarmSet()).not.toBeNull()

    for (let pages = 0; (await progress()).state === 'running'; pages++) {
      expect(pages).toBeLessThan(2000)
      expect(await runDurableObjectAlarm(rulesObject())).toBe(true)
    }
    const done = await progress()
    expect(done).toMatchObject({ version: latest.version, state: 'done', failed: 0 })
    expect(done.processed).toBe(done.total)
    for (const profile of profiles) expect(await storedVersion(profile)).toBe(latest.version)
  })
})
