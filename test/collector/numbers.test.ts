import { abortAllDurableObjects } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { admin, json, post, track, uniqueId } from './helpers.ts'
import { anonymousProfile } from '../../rules/index.ts'

interface View {
  tags: Record<string, unknown>
  metrics: Record<string, unknown>
  events: { timestamp: string }[]
  evaluatedAt: string
}

/** Tags and metrics, `since_*` metrics as the time they count from (read at different instants). */
const viewOf = async (profile: string) => {
  const { tags, metrics, evaluatedAt } = await json<View>(await admin(`/v1/profiles/${profile}`))
  for (const id of ['since_first_order', 'since_last_order'])
    metrics[id] = Date.parse(evaluatedAt) - (metrics[id] as number)
  return { tags, metrics }
}

describe('numbers at the ends of the range', () => {
  it('keeps revenue sums finite and their tiers, live, replayed, rebuilt and restored alike', async () => {
    const anon = uniqueId('a')
    const now = Date.now()
    const order = (revenue: number, ago: number) =>
      track(anon, 'Order Completed', now - ago, { properties: { revenue } })
    // JSON text can carry 1e400 (JavaScript reads it as Infinity): sent as text.
    const body = JSON.stringify({
      batch: [order(1e308, 3000), order(1e308, 2000), order(7, 1000)],
    }).replace('"revenue":7', '"revenue":1e400')
    const ingested = await json(await post('/v1/batch', body))
    expect(ingested).toMatchObject({ accepted: 3, rejected: [] })
    expect(ingested.tags).toMatchObject({ spend_tier_lifetime: 'platinum' })

    const live = await viewOf(anonymousProfile(anon))
    expect(live.metrics).toMatchObject({
      orders_lifetime: 3,
      revenue_30d: Number.MAX_VALUE,
      revenue_lifetime: Number.MAX_VALUE,
    })
    expect(live.tags).toMatchObject({ spend_tier_30d: 'high', spend_tier_lifetime: 'platinum' })

    // Replayed from the stored events (the object restarts without a checkpoint).
    await abortAllDurableObjects()
    expect(await viewOf(anonymousProfile(anon))).toEqual(live)
    // Rebuilt from the stored events by timestamp, as a rules backfill does (it saves a checkpoint).
    const { active } = await json<{ active: string }>(await admin('/v1/rules/versions'))
    expect(await env.PROFILES.getByName(anonymousProfile(anon)).rebuild(active)).toBe('rebuilt')
    expect(await viewOf(anonymousProfile(anon))).toEqual(live)
    // Restored from that checkpoint's snapshot.
    await abortAllDurableObjects()
    expect(await viewOf(anonymousProfile(anon))).toEqual(live)
  })

  it('stores a timestamp in the years 0000–0099 as that year, not 1900–1999', async () => {
    const anon = uniqueId('a')
    const body = await json(
      await post('/v1/track', {
        anonymousId: anon,
        event: 'Product Viewed',
        timestamp: '0050-01-01T00:00:00Z',
        messageId: uniqueId('m'),
      }),
    )
    expect(body).toMatchObject({ accepted: 1, rejected: [] })
    const { events } = await json<View>(await admin(`/v1/profiles/${anonymousProfile(anon)}`))
    expect(events.map((e) => e.timestamp)).toEqual(['0050-01-01T00:00:00.000Z'])
    const moved = await json(
      await post('/v1/track', {
        anonymousId: anon,
        event: 'Product Viewed',
        timestamp: '0000-01-01T00:30:00+01:00',
      }),
    )
    expect(moved.rejected).toEqual([
      {
        index: 0,
        messageId: null,
        error: expect.stringContaining(
          '"timestamp" must be an ISO-8601 date-time with a time zone in the years 0000–9999',
        ),
      },
    ])
  })
})
