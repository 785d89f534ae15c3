import { abortAllDurableObjects, runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { MAX_SNAPSHOT_BYTES, MAX_STORED_EVENTS } from '../../collector/limits.ts'
import { EventStore } from '../../collector/profile/event-store.ts'
import { ProfileStore } from '../../collector/profile/store.ts'
import type { StateSnapshot } from '../../rules/index.ts'
import {
  MAX_KEPT_VALUE_CHARS,
  MAX_TRAIT_KEY_CHARS,
  MAX_TRAIT_VALUE_CHARS,
  MAX_TRAITS,
} from '../../rules/document/limits.ts'
import { admin, iso, json, post, postAsServer, track, uniqueId } from './helpers.ts'
import { storedCount } from './stored-events.ts'
import { anonymousProfile } from '../../rules/index.ts'

// Issue 17, finding 2: a profile that bricked itself. 80 identifies of a 30 KB trait made a
// snapshot over SQLite's 2 MB row limit: `SQLITE_TOOBIG` at the next checkpoint, the transaction
// rolled back, and every later write to the profile answered 500.

const HOUR = 3_600_000

/** The stored engine snapshot's size in bytes (`null`: no checkpoint kept). */
const snapshotBytes = (profile: string) =>
  runInDurableObject(env.PROFILES.getByName(profile), (_, state) => {
    const row = state.storage.sql
      .exec<{ bytes: number }>(`SELECT length(CAST(snapshot AS BLOB)) AS bytes FROM state`)
      .toArray()[0]
    return row ? row.bytes : null
  })

const identify = (userId: string, ms: number, traits: Record<string, unknown>) => ({
  type: 'identify',
  userId,
  traits,
  messageId: uniqueId('m'),
  timestamp: iso(ms),
})

/** `n` small events of `anonymousId`, enough to reach the next checkpoint (every 100 events). */
const filler = (anonymousId: string, n: number, ms: number) =>
  Array.from({ length: n }, (_, i) => track(anonymousId, 'Order Completed', ms + i))

/** A string whose JSON is `chars` characters (its quotes included), unique by `i`. */
const sized = (chars: number, i: number) => `${i}:`.padEnd(chars - 2, 'v')

describe('bounded profiles (issue 17, finding 2)', () => {
  it('80 identifies of a 30 KB trait each: the profile keeps accepting writes', async () => {
    const user = uniqueId('u')
    const now = Date.now() - HOUR
    for (let i = 0; i < 80; i += 10) {
      const batch = Array.from({ length: 10 }, (_, j) =>
        identify(user, now + i + j, { [`bio${i + j}`]: 'z'.repeat(30_000) }),
      )
      expect((await postAsServer('/v1/batch', { batch })).status).toBe(200)
    }
    // Past the next checkpoint, and a write after it.
    const more = filler(user, 250, now + 100).map((e) => ({
      ...e,
      anonymousId: undefined,
      userId: user,
    }))
    for (const batch of [more.slice(0, 200), more.slice(200)]) {
      const response = await postAsServer('/v1/batch', { batch })
      expect(response.status).toBe(200)
      expect(await json(response)).toMatchObject({ accepted: batch.length, rejected: [] })
    }
    const bytes = await snapshotBytes(user)
    expect(bytes).not.toBeNull()
    expect(bytes!).toBeLessThan(100_000)
    const view = await json<{ traits: Record<string, unknown> }>(
      await admin(`/v1/profiles/${user}`),
    )
    expect(view.traits).toEqual({})
  }, 60_000)

  it('every bound filled to its maximum (demo catalog): the snapshot stays well below 2 MB', async () => {
    const user = uniqueId('u')
    const now = Date.now()
    // Traits: MAX_TRAITS keys of MAX_TRAIT_KEY_CHARS, values of MAX_TRAIT_VALUE_CHARS (JSON), in
    // identifies under the 32 KB event limit.
    const traits = Array.from({ length: MAX_TRAITS }, (_, i) => [
      `t${i}`.padEnd(MAX_TRAIT_KEY_CHARS, '_'),
      sized(MAX_TRAIT_VALUE_CHARS, i),
    ])
    const identifies = Array.from({ length: 5 }, (_, k) =>
      identify(user, now - HOUR, Object.fromEntries(traits.slice(k * 20, k * 20 + 20))),
    )
    // `top_category_30d`: 64 categories of MAX_KEPT_VALUE_CHARS in each of 24 half-day buckets of
    // its window (60 make it whole; the profile rate, 2,000 events a minute, bounds one test), each
    // bucket its own session too (`top_category_session` keeps 16); `last_visa_page_30d` and the
    // distinct destinations of `destinations_365d` at the bound too.
    const events: Record<string, unknown>[] = [...identifies]
    for (let bucket = 0; bucket < 24; bucket++)
      for (let c = 0; c < 64; c++)
        events.push({
          ...track('x', 'Product Viewed', now - bucket * 12 * HOUR - 2 * HOUR + c, {
            properties: { category: sized(MAX_KEPT_VALUE_CHARS, c) },
          }),
          anonymousId: undefined,
          userId: user,
        })
    for (let i = 0; i < 40; i++)
      events.push(
        {
          type: 'page',
          userId: user,
          messageId: uniqueId('m'),
          timestamp: iso(now - i * HOUR),
          properties: { path: `/visa/${'j'.repeat(MAX_KEPT_VALUE_CHARS - 9)}${i}` },
        },
        {
          ...track('x', 'Order Completed', now - i * HOUR, {
            properties: { product_type: 'flight', destination: sized(MAX_KEPT_VALUE_CHARS, i) },
          }),
          anonymousId: undefined,
          userId: user,
        },
      )
    for (let i = 0; i < events.length; i += 400) {
      const response = await postAsServer('/v1/batch', { batch: events.slice(i, i + 400) })
      expect(response.status).toBe(200)
      expect((await json(response)).rejected).toEqual([])
    }
    const bytes = await snapshotBytes(user)
    console.log(`bounded profiles: ${events.length} events at the bounds, snapshot ${bytes} bytes`)
    expect(bytes).not.toBeNull()
    expect(bytes!).toBeLessThan(MAX_SNAPSHOT_BYTES)
    const view = await json<{ traits: Record<string, unknown>; metrics: Record<string, unknown> }>(
      await admin(`/v1/profiles/${user}`),
    )
    expect(Object.keys(view.traits)).toHaveLength(MAX_TRAITS)
    expect(view.metrics.destinations_365d).toBe(40)
    // Still accepting writes.
    const last = { ...identifies[0]!, messageId: uniqueId('m'), traits: { plan: 'plus' } }
    expect((await postAsServer('/v1/batch', { batch: [last] })).status).toBe(200)
  }, 120_000)

  it('a state over the snapshot bound keeps no checkpoint and the profile keeps working', async () => {
    const anon = uniqueId('a')
    const now = Date.now() - HOUR
    expect((await post('/v1/batch', { batch: filler(anon, 3, now) })).status).toBe(200)
    const big = { padding: 'p'.repeat(MAX_SNAPSHOT_BYTES) } as unknown as StateSnapshot
    const saved = await runInDurableObject(
      env.PROFILES.getByName(anonymousProfile(anon)),
      (_, state) =>
        state.storage.transactionSync(() =>
          new ProfileStore(state.storage.sql).saveSnapshot('v', big),
        ),
    )
    expect(saved).toBe(false)
    expect(await snapshotBytes(anonymousProfile(anon))).toBeNull()
    // Restored from its events alone (a fresh object), it counts them all and takes more.
    await abortAllDurableObjects()
    const response = await post('/v1/batch', { batch: filler(anon, 2, now + 10) })
    expect(response.status).toBe(200)
    const view = await json<{ metrics: Record<string, unknown> }>(
      await admin(`/v1/profiles/${anonymousProfile(anon)}`),
    )
    expect(view.metrics.orders_lifetime).toBe(5)
    // That batch saved a checkpoint again (the real state is small).
    expect(await snapshotBytes(anonymousProfile(anon))).toBeGreaterThan(0)
  })

  it('a merge of a profile of 10,000 events (35 MB) moves them in pages', async () => {
    const anon = uniqueId('a')
    const user = uniqueId('u')
    const now = Date.now() - HOUR
    expect((await post('/v1/batch', { batch: filler(anon, 1, now) })).status).toBe(200)
    // The rest stored as the profile would store them (a rate limit keeps a test from sending
    // them): a restore counts them, since no checkpoint covers them.
    const seeded = MAX_STORED_EVENTS - 2
    await runInDurableObject(env.PROFILES.getByName(anonymousProfile(anon)), (_, state) => {
      const events = new EventStore(state.storage.sql)
      for (let i = 0; i < seeded; i++) {
        const event = {
          ...filler(anon, 1, now + 1 + i)[0]!,
          properties: { note: 'n'.repeat(3500) },
        }
        events.add([{ messageId: event.messageId, ts: now + 1 + i, receivedAt: now, event }])
      }
    })
    await abortAllDurableObjects()
    const response = await postAsServer('/v1/identify', {
      anonymousId: anon,
      userId: user,
      timestamp: iso(now + HOUR / 2),
    })
    expect(response.status).toBe(200)
    const view = await json<{ aliases: string[]; metrics: Record<string, unknown> }>(
      await admin(`/v1/profiles/${user}`),
    )
    expect(view.aliases).toEqual([anonymousProfile(anon)])
    expect(view.metrics.orders_lifetime).toBe(seeded + 1)
    expect(await storedCount(user)).toBe(MAX_STORED_EVENTS)
    expect(await storedCount(anonymousProfile(anon))).toBe(0)
  }, 180_000)
})
