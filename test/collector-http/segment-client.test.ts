// The real Segment Node client (@segment/analytics-node) sending to the collector over HTTP, as a
// server source would (`demo-server-key`: a secret writeKey, userIds trusted without hashes): the
// collector as its `host`, `path: '/v1/batch'`, its own fetch, body shape (`batch`, `writeKey`,
// `sentAt`), `_metadata`, `context.library` and messageId format.
import { Analytics } from '@segment/analytics-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startWranglerDev, type WranglerDev } from '../support/wrangler-dev.ts'
import { anonymousProfile } from '../../rules/index.ts'

const ADMIN_KEY = 'segment-test-admin-key'
const DAY = 86_400_000

let dev: WranglerDev

beforeAll(async () => {
  dev = await startWranglerDev({ vars: { ADMIN_KEY } })
}, 120_000)

afterAll(async () => {
  await dev?.stop()
})

interface View {
  profile: string
  aliases: string[]
  traits: Record<string, unknown>
  tags: Record<string, unknown>
  metrics: Record<string, unknown>
  events: { type: string; messageId: string }[]
}

describe('@segment/analytics-node with the collector as its host', () => {
  it('sends identify, track and page; the profile reflects them', async () => {
    const responses: { status: number }[] = []
    const errors: unknown[] = []
    const requests: string[] = []
    const analytics = new Analytics({
      writeKey: 'demo-server-key',
      host: dev.url,
      path: '/v1/batch',
      flushAt: 20,
      maxRetries: 0,
    })
    analytics.on('http_request', (request) => requests.push(request.body))
    analytics.on('http_response', (response) => responses.push(response))
    analytics.on('error', (error) => errors.push(error))

    const run = Date.now().toString(36)
    const [anon, user] = [`seg-anon-${run}`, `seg-user-${run}`]
    const now = Date.now()
    analytics.page({
      anonymousId: anon,
      name: 'Cart',
      properties: { path: '/checkout/cart' },
      timestamp: new Date(now - 5000),
    })
    analytics.track({
      anonymousId: anon,
      event: 'Coupon Claimed',
      properties: { coupon_id: 'BAGS20' },
      timestamp: new Date(now - 4000),
    })
    analytics.identify({
      anonymousId: anon,
      userId: user,
      traits: { plan: 'plus', email: 'ada@example.com' },
      timestamp: new Date(now - 3000),
    })
    analytics.track({
      userId: user,
      event: 'Order Completed',
      properties: { revenue: 120, product_type: 'flight' },
      timestamp: new Date(now - 2 * DAY),
    })
    await analytics.closeAndFlush({ timeout: 20_000 })

    expect(errors).toEqual([])
    expect(responses.length).toBeGreaterThan(0)
    // (the client reports the status only; the profile below shows every event was stored)
    for (const response of responses) expect(response.status).toBe(200)

    const answer = await fetch(`${dev.url}/v1/profiles/${anonymousProfile(anon)}`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    })
    expect(answer.status).toBe(200)
    const view = (await answer.json()) as View
    expect(view).toMatchObject({ profile: user, aliases: [anonymousProfile(anon)] })
    expect(view.traits).toMatchObject({ plan: 'plus', email: 'ada@example.com' })
    expect(view.metrics).toMatchObject({
      orders_lifetime: 1,
      orders_7d: 1,
      revenue_30d: 120,
      coupon_claims_session: 1,
      checkout_pages_session: 1,
    })
    expect(view.tags).toMatchObject({ coupon_claimer: true })
    expect(view.events.map((e) => e.type).sort()).toEqual(['identify', 'page', 'track', 'track'])
    // The client's own ids are kept (a retry of its batch is a duplicate).
    for (const event of view.events) {
      expect(event.messageId).toMatch(/^node-next-/)
      expect(event).toMatchObject({
        context: { library: { name: '@segment/analytics-node' } },
        _metadata: { jsRuntime: 'node' },
      })
    }

    // The client's request replayed (a retry after a lost response) counts nothing twice.
    for (const body of requests) {
      const retry = await fetch(`${dev.url}/v1/batch`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${btoa('demo-server-key:')}`,
        },
        body,
      })
      const answer = (await retry.json()) as { accepted: number; duplicates: number }
      expect(answer).toMatchObject({ accepted: 0 })
      expect(answer.duplicates).toBe((JSON.parse(body) as { batch: unknown[] }).batch.length)
    }
  }, 60_000)
})
