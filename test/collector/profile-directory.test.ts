import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { admin, iso, post, postAsServer, track, uniqueId } from './helpers.ts'
import { anonymousProfile } from '../../rules/index.ts'
import { flakyD1 } from './flaky-d1.ts'
import { LISTING_RETRY_MS } from '../../collector/profile/listing.ts'

const HOUR = 3_600_000

interface Row {
  id: string
  first_seen: number
  last_seen: number
}

/** The directory row of a profile: `anonymous:<id>` for an anonymous visitor, else a userId. */
const row = (profile: string) =>
  env.DB.prepare('SELECT id, first_seen, last_seen FROM profiles WHERE id = ?')
    .bind(profile)
    .first<Row>()

/** Rewrites the profile's directory row, to see whether a later commit writes it again. */
const setLastSeen = (id: string, lastSeen: number) =>
  env.DB.prepare('UPDATE profiles SET last_seen = ? WHERE id = ?').bind(lastSeen, id).run()

/** The profile's own mark of its listing (`meta` row `listing`, see listing.ts). */
const listingMark = (profile: string) =>
  runInDurableObject(env.PROFILES.getByName(profile), (_, state) => {
    const [mark] = state.storage.sql
      .exec<{ value: string }>(`SELECT value FROM meta WHERE key = 'listing'`)
      .toArray()
    return mark && (JSON.parse(mark.value) as { listedAt: number; pending: boolean })
  })

/** Whether the profile's object still marks a directory listing as not written. */
const pendingMark = async (profile: string) => (await listingMark(profile))?.pending === true

/** Sets the profile's listing mark, as a commit or a restart would have left it. */
const setListingMark = (profile: string, mark: { listedAt: number; pending: boolean }) =>
  runInDurableObject(env.PROFILES.getByName(profile), (_, state) => {
    state.storage.sql.exec(`UPDATE meta SET value = ? WHERE key = 'listing'`, JSON.stringify(mark))
  })

/**
 * A visitor listed once, whose object's `meta` rows `tamper` then rewrites (a listing mark as other
 * code left it), dropped from the directory and its object restarted: the next commit decides.
 */
async function listedThenTampered(tamper: (sql: SqlStorage) => void) {
  const anon = uniqueId('a')
  const profile = anonymousProfile(anon)
  await post('/v1/batch', { batch: [track(anon, 'X', Date.now() - 5000)] })
  await expect.poll(() => row(profile)).not.toBeNull()
  await runInDurableObject(env.PROFILES.getByName(profile), (_, state) => tamper(state.storage.sql))
  await env.DB.prepare('DELETE FROM profiles WHERE id = ?').bind(profile).run()
  await abortAllDurableObjects()
  return { anon, profile }
}

describe('profile directory (D1 profiles)', () => {
  it('lists a profile on its first commit', async () => {
    const anon = uniqueId('a')
    const before = Date.now()
    await post('/v1/batch', { batch: [track(anon, 'X', before - 5000)] })
    await expect.poll(() => row(anonymousProfile(anon))).not.toBeNull()
    const listed = (await row(anonymousProfile(anon)))!
    expect(listed.first_seen).toBeGreaterThanOrEqual(before)
    expect(listed.last_seen).toBe(listed.first_seen)
  })

  it('refreshes last_seen at most once an hour, even after an eviction', async () => {
    const anon = uniqueId('a')
    await post('/v1/batch', { batch: [track(anon, 'X', Date.now() - 5000)] })
    await expect.poll(() => row(anonymousProfile(anon))).not.toBeNull()
    await setLastSeen(anonymousProfile(anon), 1)
    await post('/v1/batch', { batch: [track(anon, 'Y', Date.now() - 4000)] })
    await abortAllDurableObjects()
    await post('/v1/batch', { batch: [track(anon, 'Z', Date.now() - 3000)] })
    // Give a (wrong) background write the time to land.
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect((await row(anonymousProfile(anon)))!.last_seen).toBe(1)

    // An hour after the profile's last listing, its next commit refreshes the row.
    await setListingMark(anonymousProfile(anon), {
      listedAt: Date.now() - HOUR - 1000,
      pending: false,
    })
    await abortAllDurableObjects()
    const now = Date.now()
    await post('/v1/batch', { batch: [track(anon, 'W', now - 2000)] })
    await expect
      .poll(async () => (await row(anonymousProfile(anon)))!.last_seen)
      .toBeGreaterThanOrEqual(now)
  })

  it('an identity merge unlists the absorbed anonymous profile and lists the user', async () => {
    const [anon, user] = [uniqueId('a'), uniqueId('u')]
    await post('/v1/batch', { batch: [track(anon, 'X', Date.now() - 5000)] })
    await expect.poll(() => row(anonymousProfile(anon))).not.toBeNull()
    const identify = {
      type: 'identify',
      anonymousId: anon,
      userId: user,
      messageId: uniqueId('m'),
      timestamp: iso(Date.now() - 1000),
    }
    await postAsServer('/v1/batch', { batch: [identify] })
    await expect.poll(() => row(user)).not.toBeNull()
    expect(await row(anonymousProfile(anon))).toBeNull()
  })

  it('erasing a person unlists the profile and the ids merged into it', async () => {
    const [anon, user] = [uniqueId('a'), uniqueId('u')]
    await postAsServer('/v1/batch', {
      batch: [track(user, 'X', Date.now() - 5000, { userId: user })],
    })
    await postAsServer('/v1/alias', { previousId: anon, userId: user, messageId: uniqueId('m') })
    await expect.poll(() => row(user)).not.toBeNull()
    expect(
      (await admin(`/v1/profiles/${anonymousProfile(anon)}`, { method: 'DELETE' })).status,
    ).toBe(204)
    expect(await row(user)).toBeNull()
    expect(await row(anonymousProfile(anon))).toBeNull()
  })

  it('erasing right after the first commit leaves no row behind', async () => {
    const anon = uniqueId('a')
    await post('/v1/batch', { batch: [track(anon, 'X', Date.now() - 5000)] })
    expect(
      (await admin(`/v1/profiles/${anonymousProfile(anon)}`, { method: 'DELETE' })).status,
    ).toBe(204)
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(await row(anonymousProfile(anon))).toBeNull()
  })
  it('a profile erased and then seen again is listed again', async () => {
    const anon = uniqueId('a')
    await post('/v1/batch', { batch: [track(anon, 'X', Date.now() - 5000)] })
    await expect.poll(() => row(anonymousProfile(anon))).not.toBeNull()
    expect(
      (await admin(`/v1/profiles/${anonymousProfile(anon)}`, { method: 'DELETE' })).status,
    ).toBe(204)
    expect(await row(anonymousProfile(anon))).toBeNull()
    // The same object, still running: its memory of the listing went with the erasure.
    await post('/v1/batch', { batch: [track(anon, 'Y', Date.now() - 1000)] })
    await expect.poll(() => row(anonymousProfile(anon))).not.toBeNull()
  })
})

describe('a new profile', () => {
  it('is listed before the answer, so an object shut down right after still is', async () => {
    const anons = Array.from({ length: 20 }, () => uniqueId('a'))
    await post('/v1/batch', { batch: anons.map((a) => track(a, 'X', Date.now() - 5000)) })
    await abortAllDurableObjects()
    for (const anon of anons) expect(await row(anonymousProfile(anon))).not.toBeNull()
  })
})

describe('a listing marked by the code before (two meta rows)', () => {
  it('is read, and rewritten as one row by the next listing', async () => {
    // As the code before left a listing D1 never took: its time, and a pending row.
    const { anon, profile } = await listedThenTampered((sql) => {
      sql.exec(`DELETE FROM meta WHERE key = 'listing'`)
      sql.exec(
        `INSERT INTO meta (key, value) VALUES ('listed_at', ?), ('listing_pending', ?)`,
        String(Date.now() - 60_000),
        String(Date.now() - 60_000),
      )
    })
    // Within the hour, but pending: the next commit lists the profile.
    await post('/v1/batch', { batch: [track(anon, 'Y', Date.now() - 1000)] })
    await expect.poll(() => row(profile)).not.toBeNull()
    await expect.poll(() => pendingMark(profile)).toBe(false)
    const keys = await runInDurableObject(env.PROFILES.getByName(profile), (_, state) =>
      state.storage.sql
        .exec<{ key: string }>(`SELECT key FROM meta WHERE key LIKE 'list%'`)
        .toArray()
        .map(({ key }) => key),
    )
    expect(keys).toEqual(['listing'])
  })
})

describe('a listing mark that cannot be read', () => {
  it('lists the profile again instead of failing its commits', async () => {
    const { anon, profile } = await listedThenTampered((sql) => {
      sql.exec(`UPDATE meta SET value = '{not json' WHERE key = 'listing'`)
    })
    const response = await post('/v1/batch', { batch: [track(anon, 'Y', Date.now() - 1000)] })
    expect(response.status).toBe(200)
    await expect.poll(() => row(profile)).not.toBeNull()
    await expect.poll(() => listingMark(profile)).toMatchObject({ pending: false })
  })
})

describe('a listing D1 refuses', () => {
  it('is retried by the alarm, even when the profile never commits again and was evicted', async () => {
    const anon = uniqueId('a')
    const real = env.DB
    const down = flakyD1(real, () => true)
    env.DB = down.db
    try {
      // No time-dependent tag: nothing else would wake this profile up.
      await post('/v1/batch', { batch: [track(anon, 'Nothing Special', Date.now() - 5000)] })
      await expect.poll(() => down.failed).toBeGreaterThan(0)
    } finally {
      down.state.on = false
      env.DB = real
    }
    // Give the failed write's retry alarm the time to be set (the alarm was set before, at the
    // event's expiry: the retry moves it to within LISTING_RETRY_MS).
    const stub = env.PROFILES.getByName(anonymousProfile(anon))
    await expect
      .poll(() => runInDurableObject(stub, (_, state) => state.storage.getAlarm()))
      .toBeLessThanOrEqual(Date.now() + LISTING_RETRY_MS)
    expect(await row(anonymousProfile(anon))).toBeNull()
    await abortAllDurableObjects()
    expect(await runDurableObjectAlarm(env.PROFILES.getByName(anonymousProfile(anon)))).toBe(true)
    expect(await row(anonymousProfile(anon))).not.toBeNull()
    // Listed: no longer marked pending, so later alarms do not list it again.
    expect(await pendingMark(anonymousProfile(anon))).toBe(false)
  })

  it('is written by the client’s retry when the object did not live to write it', async () => {
    const anon = uniqueId('a')
    const batch = [track(anon, 'Nothing Special', Date.now() - 5000)]
    await post('/v1/batch', { batch })
    await expect.poll(() => row(anonymousProfile(anon))).not.toBeNull()
    expect(await pendingMark(anonymousProfile(anon))).toBe(false)
    // As if the object had been restarted between its commit and the D1 write: the client saw
    // no answer and sends the same batch again (all duplicates).
    const { listedAt } = (await listingMark(anonymousProfile(anon)))!
    await setListingMark(anonymousProfile(anon), { listedAt, pending: true })
    await env.DB.prepare('DELETE FROM profiles WHERE id = ?').bind(anonymousProfile(anon)).run()
    await abortAllDurableObjects()
    const again = await post('/v1/batch', { batch })
    expect(await again.json()).toMatchObject({ accepted: 0, duplicates: 1 })
    await expect.poll(() => row(anonymousProfile(anon))).not.toBeNull()
    await expect.poll(() => pendingMark(anonymousProfile(anon))).toBe(false)
  })
})
