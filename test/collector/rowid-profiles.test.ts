import { abortAllDurableObjects } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { anonymousProfile } from '../../rules/index.ts'
import { admin, iso, json, postAsServer as post, track, uniqueId } from './helpers.ts'
import {
  createProfileTables,
  hasEventsTable,
  SCHEMA_FORMS,
  storeRowPerEvent,
} from './rowid-schema.ts'
import { storedCount as storedEvents } from './stored-events.ts'

// Profiles created before their tables were `WITHOUT ROWID` keep their rowid tables (no
// migration: collector/profile/schema.ts) but `events`, whose rows move into batch rows on the
// first cold start; both forms must count, deduplicate and merge alike.

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

describe.each(SCHEMA_FORMS)('a profile whose tables were %s', (form) => {
  it('counts each event once, across retries and restarts', async () => {
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
    expect(await hasEventsTable(profile)).toBe(false)
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

  it('stores batch rows again after an erase', async () => {
    const anon = uniqueId('a')
    const profile = anonymousProfile(anon)
    await createProfileTables(profile, form)
    await post('/v1/batch', { batch: [order(anon, Date.now() - DAY)] })
    expect((await admin(`/v1/profiles/${profile}`, { method: 'DELETE' })).status).toBeLessThan(300)
    await post('/v1/batch', { batch: [order(anon, Date.now())] })
    expect(await hasEventsTable(profile)).toBe(false)
    expect((await viewOf(profile)).metrics).toMatchObject({ orders_lifetime: 1 })
  })
})

describe.each(['rowid', 'seq'] as const)(
  'a profile holding a row per event (by %s)',
  (numbering) => {
    it('moves them into batch rows on its first cold start, its checkpoint with them', async () => {
      const anon = uniqueId('a')
      const profile = anonymousProfile(anon)
      const now = Date.now()
      const first = [order(anon, now - 3 * DAY), order(anon, now - 2 * DAY)]
      // The first batch is checkpointed; the second is stored after the checkpoint.
      await post('/v1/batch', { batch: first })
      await post('/v1/batch', { batch: [order(anon, now - DAY)] })
      await storeRowPerEvent(profile, numbering)
      // The cold start converts (a read would too): the ids stored before still deduplicate, the
      // restore replays
      // exactly the events after the checkpoint.
      expect(
        await json(await post('/v1/batch', { batch: [first[0]!, order(anon, now - 1000)] })),
      ).toMatchObject({ accepted: 1, duplicates: 1 })
      expect(await hasEventsTable(profile)).toBe(false)
      await abortAllDurableObjects()
      expect((await viewOf(profile)).metrics).toMatchObject({ orders_lifetime: 4 })
      expect(await storedEvents(profile)).toBe(4)
    })
  },
)
