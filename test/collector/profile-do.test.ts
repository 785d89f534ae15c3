import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { admin, get, iso, json, post, track, uniqueId } from './helpers.ts'
import { EventStore } from '../../collector/profile/event-store.ts'
import { EVENT_RETENTION_MS, EXPIRY_ALARM_SLACK_MS } from '../../collector/limits.ts'
import { storeRowPerEvent } from './rowid-schema.ts'
import { storedIds } from './stored-events.ts'
import { anonymousProfile } from '../../rules/index.ts'
import { TagStore } from '../../collector/profile/tag-store.ts'

const DAY = 86_400_000
const MINUTE = 60_000

const order = (anon: string, ms: number) =>
  track(anon, 'Order Completed', ms, { properties: { revenue: 100 } })

/** The metrics of anonymous visitor `anonymousId`'s profile. */
const metricsOf = async (anonymousId: string) =>
  (
    await json<{ metrics: Record<string, unknown> }>(
      await admin(`/v1/profiles/${anonymousProfile(anonymousId)}`),
    )
  ).metrics

/** The tags of `anonymousId`'s profile as stored (no evaluation, unlike the HTTP reads). */
const storedTags = (anonymousId: string) =>
  runInDurableObject(env.PROFILES.getByName(anonymousProfile(anonymousId)), (_, state) =>
    new TagStore(state.storage.sql).current(),
  )

describe('ProfileDO', () => {
  it('counts late and out-of-order events in the windows their timestamps belong to', async () => {
    const anon = uniqueId('a')
    const now = Date.now()
    await post('/v1/batch', { batch: [order(anon, now - 5 * DAY)] })
    await post('/v1/batch', { batch: [order(anon, now - 100 * DAY), order(anon, now - 20 * DAY)] })
    await post('/v1/batch', { batch: [order(anon, now - 40 * DAY)] })
    expect(await metricsOf(anon)).toMatchObject({
      orders_7d: 1,
      orders_30d: 2,
      orders_90d: 3,
      orders_365d: 4,
      orders_lifetime: 4,
      revenue_30d: 200,
    })
  })

  it('commits each batch in one storage transaction', async () => {
    const anon = uniqueId('a')
    const stub = env.PROFILES.getByName(anonymousProfile(anon))
    await post('/v1/batch', { batch: [track(anon, 'X', Date.now())] })
    const calls = await runInDurableObject(stub, (_, state) => {
      const original = state.storage.transactionSync.bind(state.storage)
      const counter = { n: 0 }
      state.storage.transactionSync = <T>(body: () => T) => {
        counter.n++
        return original(body)
      }
      return counter
    })
    const now = Date.now()
    const batch = Array.from({ length: 50 }, (_, i) => track(anon, 'Product Viewed', now - i))
    expect((await json(await post('/v1/batch', { batch }))).accepted).toBe(50)
    expect(calls.n).toBe(1)
  })

  it('writes each profile of a batch in one storage transaction, its first commit included', async () => {
    const anons = Array.from({ length: 5 }, () => uniqueId('a'))
    // Spies on every way a Durable Object writes storage, installed before the first commit.
    const spies = await Promise.all(
      anons.map((anon) =>
        runInDurableObject(env.PROFILES.getByName(anonymousProfile(anon)), (_, state) => {
          const storage = state.storage
          const counter = { transactions: 0, other: 0 }
          const transactionSync = storage.transactionSync.bind(storage)
          storage.transactionSync = <T>(body: () => T) => {
            counter.transactions++
            return transactionSync(body)
          }
          const transaction = storage.transaction.bind(storage)
          storage.transaction = (body) => {
            counter.other++
            return transaction(body)
          }
          const put = storage.put.bind(storage) as (...args: unknown[]) => Promise<void>
          storage.put = ((...args: unknown[]) => {
            counter.other++
            return put(...args)
          }) as typeof storage.put
          return counter
        }),
      ),
    )
    const now = Date.now()
    for (let round = 0; round < 3; round++) {
      // 20 events, 4 per profile, interleaved.
      const batch = Array.from({ length: 20 }, (_, i) =>
        track(anons[i % 5]!, 'Product Viewed', now - 1000 * round - i),
      )
      expect((await json(await post('/v1/batch', { batch }))).accepted).toBe(20)
      for (const spy of spies) expect(spy).toEqual({ transactions: round + 1, other: 0 })
    }
  })

  it('saves its engine state every 100 events; a restore replays the events stored after it', async () => {
    const anon = uniqueId('a')
    const checkpoint = () =>
      runInDurableObject(env.PROFILES.getByName(anonymousProfile(anon)), (_, state) => {
        const row = state.storage.sql
          .exec<{ snapshot: string; up_to: number }>('SELECT snapshot, up_to FROM state')
          .one()
        const newestRow = state.storage.sql
          .exec<{ seq: number }>('SELECT max(seq) AS seq FROM event_batches')
          .one().seq
        return { snapshot: row.snapshot, upTo: row.up_to, newestRow }
      })
    const now = Date.now()
    let sent = 0
    const views = (count: number) =>
      post('/v1/batch', {
        batch: Array.from({ length: count }, () =>
          track(anon, 'Product Viewed', now - 1000 + sent++),
        ),
      })
    // The first commit saves the state; the next ones only store their events.
    await views(10)
    const first = await checkpoint()
    // The mark is the last stored batch's number.
    expect(first.upTo).toBe(1)
    await views(10)
    expect(await checkpoint()).toMatchObject({ snapshot: first.snapshot, upTo: 1 })
    // Evicted: the checkpoint plus the 10 events after it.
    await abortAllDurableObjects()
    expect(await metricsOf(anon)).toMatchObject({ product_views_30d: 20 })

    // 10 replayed + 80 new: not yet; + 20 more: 110 unsaved, saved with all 120 events.
    for (let i = 0; i < 2; i++) await views(40)
    expect(await checkpoint()).toMatchObject({ snapshot: first.snapshot, upTo: 1 })
    await views(20)
    // The mark is the newest row's number (a visit's batches share rows: EventStore.add).
    const second = await checkpoint()
    expect(second.upTo).toBe(second.newestRow)
    expect(second.upTo).toBeGreaterThan(1)
    await abortAllDurableObjects()
    expect(await metricsOf(anon)).toMatchObject({ product_views_30d: 120 })
  })

  it('restores its state from the snapshot after being evicted', async () => {
    const anon = uniqueId('a')
    const now = Date.now()
    await post('/v1/batch', { batch: [order(anon, now - 3 * DAY), order(anon, now - 2 * DAY)] })
    await abortAllDurableObjects()
    await post('/v1/batch', { batch: [order(anon, now - DAY)] })
    expect(await metricsOf(anon)).toMatchObject({ orders_lifetime: 3, orders_7d: 3 })
  })

  it('changes time-driven tags at the alarm, with no new event', async () => {
    const now = Date.now()
    const margin = 1500
    // Churn: 90 days after the last order. Session end: 30 minutes after the last event.
    const buyer = uniqueId('a')
    const lastOrder = now - 90 * DAY + margin
    await post('/v1/batch', { batch: [order(buyer, lastOrder)] })
    const claimer = uniqueId('a')
    const claim = now - 30 * MINUTE + margin
    await post('/v1/batch', { batch: [track(claimer, 'Coupon Claimed', claim)] })

    expect(await storedTags(buyer)).toMatchObject({ lifecycle_stage: 'declining' })
    expect(await storedTags(claimer)).toMatchObject({ coupon_claimer: true })
    const alarm = await runInDurableObject(
      env.PROFILES.getByName(anonymousProfile(buyer)),
      (_, state) => state.storage.getAlarm(),
    )
    expect(alarm).toBeGreaterThan(lastOrder + 90 * DAY - 1000)
    expect(alarm).toBeLessThanOrEqual(lastOrder + 90 * DAY + 1000)

    // Workers alarms fire on time in the test runtime too: nothing but time passes here.
    await expect
      .poll(() => storedTags(buyer), { timeout: 5000, interval: 200 })
      .toMatchObject({
        lifecycle_stage: 'churned',
      })
    await expect
      .poll(() => storedTags(claimer), { timeout: 5000, interval: 200 })
      .not.toHaveProperty('coupon_claimer')
    const history = await runInDurableObject(
      env.PROFILES.getByName(anonymousProfile(buyer)),
      (_, state) =>
        state.storage.sql
          .exec('SELECT tag, from_value, to_value FROM tag_history ORDER BY id')
          .toArray(),
    )
    expect(history).toContainEqual({
      tag: 'lifecycle_stage',
      from_value: '"declining"',
      to_value: '"churned"',
    })
  })

  it('an alarm that runs early changes nothing and sets itself again', async () => {
    const anon = uniqueId('a')
    await post('/v1/batch', { batch: [order(anon, Date.now() - DAY)] })
    const stub = env.PROFILES.getByName(anonymousProfile(anon))
    const before = await storedTags(anon)
    const alarm = await runInDurableObject(stub, (_, state) => state.storage.getAlarm())
    expect(alarm).toBeGreaterThan(Date.now())
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    expect(await storedTags(anon)).toEqual(before)
    expect(await runInDurableObject(stub, (_, state) => state.storage.getAlarm())).toBe(alarm)
  })

  it('writes its alarm only when the next change moves (setAlarm is billed as a row written)', async () => {
    const anon = uniqueId('a')
    const profile = anonymousProfile(anon)
    const batch = [order(anon, Date.now() - DAY)]
    await post('/v1/batch', { batch })
    const alarmOf = () =>
      runInDurableObject(env.PROFILES.getByName(profile), (_, state) => state.storage.getAlarm())
    const alarm = await alarmOf()
    expect(alarm).toBeGreaterThan(Date.now())
    /** Counts the object's alarm writes from now on (a fresh object's too: its first call). */
    const spy = () =>
      runInDurableObject(env.PROFILES.getByName(profile), (_, state) => {
        const storage = state.storage
        const writes = { set: 0, deleted: 0 }
        const setAlarm = storage.setAlarm.bind(storage)
        storage.setAlarm = (...args) => {
          writes.set++
          return setAlarm(...args)
        }
        const deleteAlarm = storage.deleteAlarm.bind(storage)
        storage.deleteAlarm = (...args) => {
          writes.deleted++
          return deleteAlarm(...args)
        }
        return writes
      })
    const tags = () => get(`/v1/tags?anonymousId=${anon}`).then((response) => response.status)
    // The batch again (duplicates) and a tag read: the next change stays where it was.
    const live = await spy()
    await post('/v1/batch', { batch })
    expect(await tags()).toBe(200)
    expect(live).toEqual({ set: 0, deleted: 0 })
    // An object that starts again reads its alarm once and writes nothing either.
    await abortAllDurableObjects()
    const restarted = await spy()
    await post('/v1/batch', { batch })
    expect(restarted).toEqual({ set: 0, deleted: 0 })
    expect(await alarmOf()).toBe(alarm)
    // The alarm, run early, is cleared by running (the test runtime deletes it to run it): it is
    // set again, at the same time.
    expect(await runDurableObjectAlarm(env.PROFILES.getByName(profile))).toBe(true)
    expect(restarted.set).toBe(1)
    expect(await alarmOf()).toBe(alarm)
    // A new event that moves the next change moves the alarm.
    await post('/v1/batch', { batch: [order(anon, Date.now())] })
    expect(restarted.set).toBe(2)
    expect(await alarmOf()).not.toBe(alarm)
  })

  it('drops events past the retention period, and the oldest beyond 10,000', async () => {
    const anon = uniqueId('a')
    const now = Date.now()
    await post('/v1/batch', { batch: [track(anon, 'First', now)] })
    // A stub per call: an evicted object's stubs are broken.
    const stub = () => env.PROFILES.getByName(anonymousProfile(anon))
    // Stored as the profile stores them, then the object starts again: it reads its table anew
    // (it caches what it wrote, being the table's only writer).
    const seed = async (count: number, receivedAt: number, prefix: string) => {
      await runInDurableObject(stub(), (_, state) =>
        state.storage.transactionSync(() =>
          new EventStore(state.storage.sql).add(
            Array.from({ length: count }, (_, i) => ({
              messageId: `${prefix}${i}`,
              ts: receivedAt,
              receivedAt,
              event: {},
            })),
          ),
        ),
      )
      await abortAllDurableObjects()
    }
    const ids = () => storedIds(anonymousProfile(anon))

    // Expiry runs at most hourly while the object lives (EventStore.pruneAfterBatch): an object
    // that starts again runs it on its first batch.
    await seed(1, now - 91 * DAY, 'expired')
    await post('/v1/batch', { batch: [track(anon, 'Second', now)] })
    expect(await ids()).toHaveLength(2)

    await seed(10_000, now - DAY, 'old')
    await post('/v1/batch', { batch: [track(anon, 'Third', now)] })
    const kept = await ids()
    expect(kept).toHaveLength(10_000)
    expect(kept.filter((id) => id.startsWith('old'))).toHaveLength(10_000 - 3)
  })

  it('drops the events of a profile that takes no more batches once they pass retention, by alarm', async () => {
    const anon = uniqueId('a')
    const profile = anonymousProfile(anon)
    const stub = () => env.PROFILES.getByName(profile)
    const alarm = () => runInDurableObject(stub(), (_, state) => state.storage.getAlarm())
    const expiry = EVENT_RETENTION_MS + EXPIRY_ALARM_SLACK_MS
    const before = Date.now()
    // No time-driven tag: before, nothing would ever wake this profile up to drop the event.
    await post('/v1/batch', { batch: [track(anon, 'Nothing Special', before - 1000)] })
    const after = Date.now()
    const at = (await alarm())!
    expect(at).toBeGreaterThanOrEqual(before + expiry)
    expect(at).toBeLessThanOrEqual(after + expiry)
    // A read evaluates and schedules again: the expiry stays.
    expect((await get(`/v1/tags?anonymousId=${anon}`)).status).toBe(200)
    expect(await alarm()).toBe(at)

    // An event received 91 days ago (stored as the profile stores them); the object starts again.
    await runInDurableObject(stub(), (_, state) =>
      state.storage.transactionSync(() =>
        new EventStore(state.storage.sql).add([
          { messageId: 'expired', ts: before - 91 * DAY, receivedAt: before - 91 * DAY, event: {} },
        ]),
      ),
    )
    await abortAllDurableObjects()
    expect(await storedIds(profile)).toHaveLength(2)
    expect(await runDurableObjectAlarm(stub())).toBe(true)
    expect(await storedIds(profile)).not.toContain('expired')
    expect(await storedIds(profile)).toHaveLength(1)
    expect(await alarm()).toBe(at)
  })

  it('a profile stored with the receive-time index keeps its events and loses the index with their table', async () => {
    const anon = uniqueId('a')
    const profile = anonymousProfile(anon)
    const now = Date.now()
    await post('/v1/batch', { batch: [order(anon, now - 2 * DAY), order(anon, now - DAY)] })
    const indexes = () =>
      runInDurableObject(env.PROFILES.getByName(profile), (_, state) =>
        state.storage.sql
          .exec<{ name: string }>(
            `SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'`,
          )
          .toArray()
          .map((row) => row.name),
      )
    // The schema before: a row per event, and every stored event also wrote a row of this index.
    await storeRowPerEvent(
      profile,
      'rowid',
      `CREATE INDEX events_by_receipt ON events (received_at)`,
    )
    // The cold start moves the events into batch rows and drops the table with its index; the
    // next batch counts with them.
    expect(await indexes()).toEqual([])
    await post('/v1/batch', { batch: [order(anon, now)] })
    expect(await metricsOf(anon)).toMatchObject({ orders_lifetime: 3, orders_7d: 3 })
    expect(await storedIds(profile)).toHaveLength(3)
  })

  it('keeps the receive time of events for retention', async () => {
    const anon = uniqueId('a')
    const before = Date.now()
    await post('/v1/batch', { batch: [track(anon, 'X', before - 200 * DAY)] })
    const rows = await runInDurableObject(
      env.PROFILES.getByName(anonymousProfile(anon)),
      (_, state) => new EventStore(state.storage.sql).page(0, 10, 1_000_000).events,
    )
    expect(rows).toHaveLength(1)
    expect(rows[0]!.ts).toBe(Date.parse(iso(before - 200 * DAY)))
    expect(rows[0]!.receivedAt).toBeGreaterThanOrEqual(before)
  })
})
