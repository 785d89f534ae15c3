import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { anonymousProfile } from '../../rules/index.ts'
import { flakyD1 } from './flaky-d1.ts'
import { json, postAsServer, track, uniqueId } from './helpers.ts'
import { interceptD1 } from './intercepted-d1.ts'

// Found by the fault suite (faults.test.ts, D1 failures): a merged profile unlisted itself from
// the directory and the tag index after its data had moved and its forward was no longer pending.
// When D1 failed there, the request answered 500 and nothing retried the unlisting (a retried
// merge finds nothing pending): the merged anonymous id stayed listed, and in the index, for good,
// so audiences and the catalog counted the person twice. (The index now forgets a merged profile
// through the export queue: merged-index.test.ts.)

const listed = async (id: string) =>
  (await env.DB.prepare('SELECT 1 FROM profiles WHERE id = ?').bind(id).first()) !== null
const indexed = async (id: string) =>
  (await env.DB.prepare('SELECT 1 FROM tag_index WHERE profile = ?').bind(id).first()) !== null

/** Gives the profile object `name` the env `DB` from now on. */
const useDb = (name: string, db: D1Database) =>
  runInDurableObject(env.PROFILES.getByName(name), (instance) => {
    ;(instance as unknown as { env: typeof env }).env = { ...env, DB: db }
  })

describe('a merged profile leaves the directory and the tag index', () => {
  it('even when D1 fails as the merge completes: the merge answers 200 and the alarm retries', async () => {
    const anon = uniqueId('a')
    const user = uniqueId('u')
    const now = Date.now() - 1000
    const claim = track(anon, 'Coupon Claimed', now, { properties: { coupon_id: 'X' } })
    expect((await json(await postAsServer('/v1/batch', { batch: [claim] }))).accepted).toBe(1)
    await expect.poll(() => listed(anonymousProfile(anon)), { timeout: 10_000 }).toBe(true)
    await expect.poll(() => indexed(anonymousProfile(anon)), { timeout: 10_000 }).toBe(true)

    const down = flakyD1(env.DB, () => true)
    await useDb(anonymousProfile(anon), down.db)
    const identify = {
      type: 'identify',
      anonymousId: anon,
      userId: user,
      timestamp: new Date(now + 500).toISOString(),
      messageId: uniqueId('m'),
    }
    const response = await postAsServer('/v1/batch', { batch: [identify] })
    expect(response.status).toBe(200)
    expect(down.failed).toBeGreaterThan(0)
    expect(await listed(anonymousProfile(anon))).toBe(true)

    // D1 is back: the merged profile's alarm unlists it.
    await useDb(anonymousProfile(anon), env.DB)
    expect(await runDurableObjectAlarm(env.PROFILES.getByName(anonymousProfile(anon)))).toBe(true)
    expect(await listed(anonymousProfile(anon))).toBe(false)
    expect(await listed(user)).toBe(true)
    // The index forgets it through the export queue (its profile.merged notice), which D1's
    // failure in the profile object never touched.
    await expect.poll(() => indexed(anonymousProfile(anon)), { timeout: 10_000 }).toBe(false)
  })

  it('after a directory listing still under way: the listing lands first, then the unlisting', async () => {
    const anon = uniqueId('a')
    const profile = anonymousProfile(anon)
    const now = Date.now() - 5000
    const claim = (ms: number) =>
      track(anon, 'Coupon Claimed', ms, { properties: { coupon_id: 'X' } })
    expect((await json(await postAsServer('/v1/batch', { batch: [claim(now)] }))).accepted).toBe(1)
    await expect.poll(() => listed(profile), { timeout: 10_000 }).toBe(true)
    // The hourly refresh of its listing is due (as an hour later), and D1 takes it slowly: the
    // next commit's listing, written in the background, is still under way when the merge unlists.
    await runInDurableObject(env.PROFILES.getByName(profile), (_, state) => {
      state.storage.sql.exec(
        `UPDATE meta SET value = ? WHERE key = 'listing'`,
        JSON.stringify({ listedAt: 1, pending: false }),
      )
    })
    await abortAllDurableObjects()
    const slow = slowListings(env.DB)
    await useDb(profile, slow.db)
    expect(
      (await json(await postAsServer('/v1/batch', { batch: [claim(now + 1000)] }))).accepted,
    ).toBe(1)
    await expect.poll(() => slow.waiting, { timeout: 10_000 }).toBe(1)

    const identify = {
      type: 'identify',
      anonymousId: anon,
      userId: uniqueId('u'),
      timestamp: new Date(now + 2000).toISOString(),
      messageId: uniqueId('m'),
    }
    const merged = postAsServer('/v1/batch', { batch: [identify] })
    // Before: the merge answered while the listing waited, and the listing landed after the
    // unlisting. Now the merge waits for it: D1 takes it after a second.
    await Promise.race([merged, new Promise((resolve) => setTimeout(resolve, 1000))])
    slow.release()
    expect((await merged).status).toBe(200)
    await expect.poll(() => slow.written, { timeout: 10_000 }).toBe(1)
    expect(await listed(profile)).toBe(false)
  })
})

/**
 * A D1 binding whose directory listings (`INSERT INTO profiles`) wait until `release()`, as a slow
 * D1 makes them; every other statement is the real one.
 */
function slowListings(real: D1Database) {
  let release = () => {}
  const gate = new Promise<void>((resolve) => (release = resolve))
  const figures = { waiting: 0, written: 0, release: () => release(), db: real }
  figures.db = interceptD1(real, async ({ sql, method }, proceed) => {
    if (method !== 'run' || !sql.includes('INSERT INTO profiles')) return proceed()
    figures.waiting++
    await gate
    const result = await proceed()
    figures.written++
    return result
  })
  return figures
}
