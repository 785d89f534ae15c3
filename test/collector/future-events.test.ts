import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import catalog from '../../examples/rules/catalog.json'
import { compileRules, IdentityGraph, parseEvent, type ParsedEvent } from '../../rules/index.ts'
import { admin, iso, json, post, postAsServer, track, uniqueId } from './helpers.ts'
import { anonymousProfile } from '../../rules/index.ts'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
const rules = compileRules(catalog)

interface View {
  profile: string
  tags: Record<string, unknown>
  metrics: Record<string, unknown>
  traits: Record<string, unknown>
  tagHistory: { tag: string; to: unknown }[]
  evaluatedAt: string
}

/**
 * `tagwise eval --now <now>` over `events` (cli/eval.ts): an identity graph over the good events,
 * one state per profile key, events dated after `now` not counted, evaluated at `now`.
 */
function cliEval(events: readonly unknown[], now: number) {
  const parsed = events.map((e) => parseEvent(e)).flatMap((r) => (r.ok ? [r.event] : []))
  const graph = new IdentityGraph()
  parsed.forEach((e, n) => graph.addEvent(e.raw, e.ts, n))
  const states = new Map<string, ParsedEvent[]>()
  for (const event of parsed) {
    const key = graph.profileKeyOf(event.raw)
    states.set(key, [...(states.get(key) ?? []), event])
  }
  return new Map(
    [...states].map(([key, list]) => {
      const state = rules.createState({ maxMessageIds: Infinity })
      for (const event of list) if (event.ts <= now) state.ingest(event)
      const { tags, metrics } = state.evaluate(now, { nextChangeAt: false })
      return [key, { tags, metrics }]
    }),
  )
}

const viewOf = async (profile: string) =>
  json<View>(await admin(`/v1/profiles/${encodeURIComponent(profile)}`))

/**
 * Moves the clock the Worker and the profile objects read (`Date` only, one isolate) forward to
 * `ms`. It never goes back within this file: the rate limits' token buckets would read a clock set
 * back as a debt.
 */
function setClock(ms: number) {
  expect(ms).toBeGreaterThanOrEqual(Date.now())
  vi.setSystemTime(ms)
}

beforeAll(() => {
  vi.useFakeTimers({ toFake: ['Date'], now: Date.now() })
})
afterAll(() => {
  vi.useRealTimers()
})

describe('events dated after their arrival', () => {
  it('count from their timestamp on, at the edge as in the CLI: the same tags at the same instant', async () => {
    const anon = uniqueId('a')
    const start = Date.now()
    const order = (at: number, revenue: number) =>
      track(anon, 'Order Completed', at, { properties: { revenue } })
    const sent = [
      // Late: counted in the windows their timestamps belong to.
      order(start - 40 * DAY, 200),
      order(start - 3 * DAY, 300),
      track(anon, 'Product Viewed', start - 1000, { properties: { category: 'luggage' } }),
      // Ahead of the receive time (a scheduled import, a clock set forward): they wait.
      order(start + 10 * MINUTE, 1200),
      { ...track(anon, 'x', start + 2 * HOUR), type: 'identify', traits: { plan: 'gold' } },
      order(start + 3 * DAY, 5000),
    ]
    const tooFar = order(start + 8 * DAY, 1)
    const body = await json(await post('/v1/batch', { batch: [...sent, tooFar] }))
    expect(body).toMatchObject({ accepted: sent.length, duplicates: 0 })
    expect(body.rejected).toEqual([
      {
        index: sent.length,
        messageId: tooFar.messageId,
        error: expect.stringMatching(
          /^"timestamp" is 8 days after the time the event was received \(at most 7 days/,
        ),
      },
    ])

    // Now: the edge and the CLI at the same instant, the future orders not counted yet.
    const first = await viewOf(anonymousProfile(anon))
    const at = Date.parse(first.evaluatedAt)
    expect({ tags: first.tags, metrics: first.metrics }).toEqual(
      cliEval(sent, at).get(anonymousProfile(anon)),
    )
    expect(first.metrics).toMatchObject({ orders_lifetime: 2, revenue_lifetime: 500 })
    expect(first.traits).toEqual({})
    // The alarm is set no later than the next future event, so its tags change when it is due.
    const stub = env.PROFILES.getByName(anonymousProfile(anon))
    const alarm = await runInDurableObject(stub, (_, state) => state.storage.getAlarm())
    expect(alarm).not.toBeNull()
    expect(alarm!).toBeLessThanOrEqual(start + 10 * MINUTE)

    // When the first comes due, the alarm counts it and records the change.
    setClock(start + 10 * MINUTE + 1000)
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    const due = await viewOf(anonymousProfile(anon))
    expect({ tags: due.tags, metrics: due.metrics }).toEqual(
      cliEval(sent, Date.parse(due.evaluatedAt)).get(anonymousProfile(anon)),
    )
    expect(due.metrics).toMatchObject({ orders_lifetime: 3, revenue_lifetime: 1700 })
    expect(due.tags.spend_tier_30d).not.toBe(first.tags.spend_tier_30d)
    expect(due.tagHistory).toContainEqual(
      expect.objectContaining({ tag: 'spend_tier_30d', to: due.tags.spend_tier_30d }),
    )
    const next = await runInDurableObject(stub, (_, state) => state.storage.getAlarm())
    expect(next!).toBeLessThanOrEqual(start + 2 * HOUR)

    // Days later, with a late event arriving then: every event counted, as the CLI counts them.
    const late = order(start + 1 * DAY, 50)
    setClock(start + 3 * DAY + MINUTE)
    expect(await json(await post('/v1/batch', { batch: [late] }))).toMatchObject({ accepted: 1 })
    const all = await viewOf(anonymousProfile(anon))
    expect({ tags: all.tags, metrics: all.metrics }).toEqual(
      cliEval([...sent, late], Date.parse(all.evaluatedAt)).get(anonymousProfile(anon)),
    )
    expect(all.metrics).toMatchObject({ orders_lifetime: 5, revenue_lifetime: 6750 })
  })

  it('wait through a restart, a rebuild and an identity merge', async () => {
    const anon = uniqueId('a')
    const user = uniqueId('u')
    const start = Date.now()
    const soon = track(anon, 'Order Completed', start + HOUR, { properties: { revenue: 900 } })
    expect(await json(await post('/v1/batch', { batch: [soon] }))).toMatchObject({ accepted: 1 })
    // Restarted (restored from the stored events), then rebuilt (a rules backfill): still waiting.
    await abortAllDurableObjects()
    expect((await viewOf(anonymousProfile(anon))).metrics).toMatchObject({ orders_lifetime: 0 })
    const { active } = await json<{ active: string }>(await admin('/v1/rules/versions'))
    expect(await env.PROFILES.getByName(anonymousProfile(anon)).rebuild(active)).toBe('rebuilt')
    expect((await viewOf(anonymousProfile(anon))).metrics).toMatchObject({ orders_lifetime: 0 })
    // Merged into the user it identifies as: the order waits there.
    const identify = { ...track(anon, 'x', start), type: 'identify', userId: user }
    expect(await json(await postAsServer('/v1/batch', { batch: [identify] }))).toMatchObject({
      accepted: 1,
    })
    expect((await viewOf(user)).metrics).toMatchObject({ orders_lifetime: 0 })
    const alarm = await runInDurableObject(env.PROFILES.getByName(user), (_, state) =>
      state.storage.getAlarm(),
    )
    expect(alarm!).toBeLessThanOrEqual(start + HOUR)
    setClock(start + HOUR + 1)
    expect((await viewOf(user)).metrics).toMatchObject({
      orders_lifetime: 1,
      revenue_lifetime: 900,
    })
  })

  it('are deduplicated while they wait', async () => {
    const anon = uniqueId('a')
    const soon = track(anon, 'Order Completed', Date.now() + HOUR, { properties: { revenue: 9 } })
    expect(await json(await post('/v1/batch', { batch: [soon] }))).toMatchObject({ accepted: 1 })
    expect(await json(await post('/v1/batch', { batch: [soon] }))).toMatchObject({
      accepted: 0,
      duplicates: 1,
    })
    setClock(Date.now() + 2 * HOUR)
    expect((await viewOf(anonymousProfile(anon))).metrics).toMatchObject({ orders_lifetime: 1 })
  })

  it('keep the device time when a clock skew is corrected into the future', async () => {
    const anon = uniqueId('a')
    const now = Date.now()
    const deviceTime = iso(now + HOUR)
    const body = await json(
      await post('/v1/batch', {
        batch: [{ ...track(anon, 'Product Viewed', 0), timestamp: deviceTime }],
        sentAt: iso(now - HOUR),
      }),
    )
    expect(body).toMatchObject({ accepted: 1, rejected: [] })
    const [stored] = (
      await json<{ events: Record<string, string>[] }>(
        await admin(`/v1/profiles/${anonymousProfile(anon)}`),
      )
    ).events
    expect(Date.parse(stored!.timestamp!) - now).toBeGreaterThan(HOUR)
    expect(stored!.originalTimestamp).toBe(deviceTime)
  })
})
