import { abortAllDurableObjects, runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { anonymousProfile } from '../../rules/index.ts'
import { admin, iso, json, postAsServer as post, track, uniqueId } from './helpers.ts'
import { createProfileTables, hasRowidEvents, SCHEMA_FORMS } from './rowid-schema.ts'

// Profiles created before their tables were `WITHOUT ROWID` keep their rowid tables (no
// migration: collector/profile/schema.ts); both forms must count, deduplicate and merge alike.

const DAY = 86_400_000

interface View {
  aliases: string[]
  metrics: Record<string, unknown>
  events: { messageId: string }[]
  tagHistory: unknown[]
}

const order = (anon: string, ms: number) =>
  track(anon, 'Order Completed', ms, { properties: { revenue: 100 } })
const viewOf = async (id: string) => json<View>(await admin(`/v1/profiles/${id}`))
const storedEvents = (id: string) =>
  runInDurableObject(
    env.PROFILES.getByName(id),
    (_, state) => state.storage.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM events`).one().n,
  )

describe.each(SCHEMA_FORMS)('a profile whose tables were %s', (form) => {
  it('keeps its form and counts each event once, across retries and restarts', async () => {
    const anon = uniqueId('a')
    const profile = anonymousProfile(anon)
    await createProfileTables(profile, form)
    const now = Date.now()
    const first = [order(anon, now - 3 * DAY), order(anon, now - 2 * DAY)]
    // The same event twice in a batch, then the batch again (a client's retry).
    const batch = [...first, first[0]!]
    expect(await json(await post('/v1/batch', { batch }))).toMatchObject({
      accepted: 2,
      duplicates: 1,
    })
    expect(await json(await post('/v1/batch', { batch }))).toMatchObject({
      accepted: 0,
      duplicates: 3,
    })
    // An object that starts again restores its state and still knows the stored ids.
    await abortAllDurableObjects()
    const later = [first[1]!, order(anon, now - DAY)]
    expect(await json(await post('/v1/batch', { batch: later }))).toMatchObject({
      accepted: 1,
      duplicates: 1,
    })
    await abortAllDurableObjects()
    const view = await viewOf(profile)
    expect(view.metrics).toMatchObject({ orders_lifetime: 3, revenue_30d: 300 })
    expect(view.events.map((event) => event.messageId)).toEqual(
      [later[1]!, ...first.slice().reverse()].map((event) => event.messageId),
    )
    expect(view.tagHistory.length).toBeGreaterThan(0)
    expect(await storedEvents(profile)).toBe(3)
    expect(await hasRowidEvents(profile)).toBe(form !== 'created now')
  })

  it.each(SCHEMA_FORMS)(
    'merges into a user whose tables were %s, counting each event once',
    async (userForm) => {
      const [anon, user] = [uniqueId('a'), uniqueId('u')]
      await createProfileTables(anonymousProfile(anon), form)
      await createProfileTables(user, userForm)
      const now = Date.now()
      await post('/v1/batch', { batch: [order(anon, now - 3 * DAY), order(anon, now - 2 * DAY)] })
      await post('/v1/batch', { batch: [{ ...order(anon, now - DAY), userId: user }] })
      const identify = {
        type: 'identify',
        anonymousId: anon,
        userId: user,
        messageId: uniqueId('m'),
        timestamp: iso(now - 1000),
      }
      expect((await post('/v1/batch', { batch: [identify] })).status).toBe(200)
      const merged = await viewOf(user)
      expect(merged.aliases).toEqual([anonymousProfile(anon)])
      expect(merged.metrics).toMatchObject({ orders_lifetime: 3, revenue_30d: 300 })
      expect(merged.events).toHaveLength(4)
      // Restored from the merge's checkpoint, with a later event replayed after it.
      await abortAllDurableObjects()
      await post('/v1/batch', { batch: [{ ...order(anon, now - 500), userId: user }] })
      await abortAllDurableObjects()
      expect((await viewOf(user)).metrics).toMatchObject({ orders_lifetime: 4 })
      expect(await storedEvents(user)).toBe(5)
      expect(await storedEvents(anonymousProfile(anon))).toBe(0)
    },
  )

  it('is created WITHOUT ROWID again after an erase', async () => {
    const anon = uniqueId('a')
    const profile = anonymousProfile(anon)
    await createProfileTables(profile, form)
    await post('/v1/batch', { batch: [order(anon, Date.now() - DAY)] })
    expect((await admin(`/v1/profiles/${profile}`, { method: 'DELETE' })).status).toBeLessThan(300)
    await post('/v1/batch', { batch: [order(anon, Date.now())] })
    expect(await hasRowidEvents(profile)).toBe(false)
    expect((await viewOf(profile)).metrics).toMatchObject({ orders_lifetime: 1 })
  })
})
