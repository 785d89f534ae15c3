import { SELF } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import {
  admin,
  BASE,
  basic,
  iso,
  json,
  post,
  postAsServer,
  track,
  uniqueId,
  WRITE_KEY,
} from './helpers.ts'
import { anonymousProfile } from '../../rules/index.ts'

interface StoredEvent {
  messageId: string
  timestamp: string
  originalTimestamp?: string
  receivedAt: string
  context?: Record<string, unknown>
  type: string
}

/** The stored events of anonymous visitor `anonymousId`'s profile. */
const storedEvents = async (anonymousId: string) =>
  (
    await json<{ events: StoredEvent[] }>(
      await admin(`/v1/profiles/${anonymousProfile(anonymousId)}`),
    )
  ).events

describe('POST /v1/batch', () => {
  it('stores a batch and answers with the counts and the profile tags', async () => {
    const anon = uniqueId('a')
    const now = Date.now()
    const response = await post('/v1/batch', {
      batch: [
        { ...track(anon, 'Coupon Claimed', now - 2000), properties: { coupon_id: 'X' } },
        { type: 'page', anonymousId: anon, timestamp: iso(now - 1000), properties: { path: '/' } },
      ],
    })
    expect(response.status).toBe(200)
    const body = await json(response)
    expect(body).toMatchObject({ success: true, accepted: 2, duplicates: 0, rejected: [] })
    expect(body.tags).toMatchObject({ coupon_claimer: true, lifecycle_stage: 'prospect' })
  })

  it('stores the good events of a mixed batch and lists the bad ones with their index', async () => {
    const anon = uniqueId('a')
    const now = Date.now()
    const good = track(anon, 'Product Viewed', now - 1000)
    const response = await post('/v1/batch', {
      batch: [
        good,
        { type: 'track', anonymousId: anon, messageId: 'no-name', timestamp: iso(now) },
        { type: 'track', event: 'X', userId: 42, timestamp: iso(now) },
        'not an event',
        { type: 'jump', anonymousId: anon },
        { ...track(anon, 'X', now), timestamp: 'yesterday' },
      ],
    })
    expect(response.status).toBe(200)
    const body = await json(response)
    expect(body.accepted).toBe(1)
    expect(body.rejected).toEqual([
      { index: 1, messageId: 'no-name', error: 'a track event needs a non-empty "event" name' },
      { index: 2, messageId: null, error: '"userId" must be a string (got 42)' },
      { index: 3, messageId: null, error: 'expected an event object (got "not an event")' },
      {
        index: 4,
        messageId: null,
        error: expect.stringContaining('"type" must be one of track, page'),
      },
      {
        index: 5,
        messageId: expect.any(String),
        error: expect.stringContaining('"timestamp" must be an ISO-8601 date-time'),
      },
    ])
    expect((await storedEvents(anon)).map((e) => e.messageId)).toEqual([good.messageId])
  })

  it('does not count the same batch twice, sent again or concurrently', async () => {
    const anon = uniqueId('a')
    const now = Date.now()
    const batch = [1, 2, 3].map((i) => track(anon, 'Product Viewed', now - i * 1000))
    const first = await json(await post('/v1/batch', { batch }))
    expect(first).toMatchObject({ accepted: 3, duplicates: 0 })
    const again = await json(await post('/v1/batch', { batch }))
    expect(again).toMatchObject({ accepted: 0, duplicates: 3 })

    const other = uniqueId('a')
    const batch2 = [1, 2, 3].map((i) => track(other, 'Product Viewed', now - i * 1000))
    const results = await Promise.all([1, 2, 3].map(() => post('/v1/batch', { batch: batch2 })))
    const bodies = await Promise.all(results.map((r) => json(r)))
    expect(bodies.reduce((n, b) => n + b.accepted, 0)).toBe(3)
    expect(bodies.reduce((n, b) => n + b.duplicates, 0)).toBe(6)
    expect(await storedEvents(other)).toHaveLength(3)
    const view = await json<{ metrics: Record<string, unknown> }>(
      await admin(`/v1/profiles/${anonymousProfile(other)}`),
    )
    expect(view.metrics.product_views_session).toBe(3)
  })

  it('counts an event repeated within one batch once', async () => {
    const anon = uniqueId('a')
    const event = track(anon, 'Product Viewed', Date.now() - 1000)
    const body = await json(await post('/v1/batch', { batch: [event, event, { ...event }] }))
    expect(body).toMatchObject({ accepted: 1, duplicates: 2, rejected: [] })
    expect(await storedEvents(anon)).toHaveLength(1)
    const view = await json<{ metrics: Record<string, unknown> }>(
      await admin(`/v1/profiles/${anonymousProfile(anon)}`),
    )
    expect(view.metrics.product_views_session).toBe(1)
  })

  it('deduplicates events without a messageId but with a timestamp by their content', async () => {
    const anon = uniqueId('a')
    const event = {
      type: 'track',
      event: 'Coupon Claimed',
      anonymousId: anon,
      timestamp: iso(Date.now() - 1000),
    }
    const first = await json(await post('/v1/batch', { batch: [event], context: { ip: '1' } }))
    const second = await json(await post('/v1/batch', { batch: [event], context: { ip: '1' } }))
    expect(first).toMatchObject({ accepted: 1, duplicates: 0 })
    expect(second).toMatchObject({ accepted: 0, duplicates: 1 })
    const [stored] = await storedEvents(anon)
    expect(stored!.messageId).toMatch(/^[0-9a-f]{64}$/)
    const different = await json(
      await post('/v1/batch', { batch: [{ ...event, properties: { coupon_id: 'B' } }] }),
    )
    expect(different.accepted).toBe(1)
  })

  it('corrects device clock skew with sentAt and keeps the device time', async () => {
    const anon = uniqueId('a')
    const now = Date.now()
    const skew = 3_600_000 // the device clock is an hour fast
    const deviceTime = iso(now - 10_000 + skew)
    const body = await json(
      await post('/v1/batch', {
        batch: [{ ...track(anon, 'Product Viewed', 0), timestamp: deviceTime }],
        sentAt: iso(now + skew),
      }),
    )
    expect(body.accepted).toBe(1)
    const [stored] = await storedEvents(anon)
    expect(Math.abs(Date.parse(stored!.timestamp) - (now - 10_000))).toBeLessThan(2000)
    expect(stored!.originalTimestamp).toBe(deviceTime)
  })

  it('keeps a timestamp in the future (it counts from then on) and defaults a missing one', async () => {
    const anon = uniqueId('a')
    const future = iso(Date.now() + 86_400_000)
    const missing = { type: 'track', event: 'Later', anonymousId: anon, messageId: uniqueId('m') }
    await post('/v1/batch', { batch: [{ ...track(anon, 'Soon', 0), timestamp: future }, missing] })
    const events = await storedEvents(anon)
    expect(events.map((e) => e.timestamp).sort()).toEqual(
      [future, events.find((e) => e.messageId === missing.messageId)!.receivedAt].sort(),
    )
    expect(events.every((e) => e.originalTimestamp === undefined)).toBe(true)
  })

  it('merges the top-level context under each event context', async () => {
    const anon = uniqueId('a')
    await post('/v1/batch', {
      batch: [{ ...track(anon, 'X', Date.now()), context: { locale: 'fr-FR' } }],
      context: { locale: 'en-US', library: { name: 'tagwise' } },
    })
    const [stored] = await storedEvents(anon)
    expect(stored!.context).toEqual({ locale: 'fr-FR', library: { name: 'tagwise' } })
  })

  it('answers tags only when every event belongs to one profile', async () => {
    const now = Date.now()
    const body = await json(
      await post('/v1/batch', {
        batch: [track(uniqueId('a'), 'X', now), track(uniqueId('a'), 'X', now)],
      }),
    )
    expect(body.accepted).toBe(2)
    expect(body.tags).toBeUndefined()
  })

  it('accepts a sendBeacon body: text/plain with the writeKey inside', async () => {
    const anon = uniqueId('a')
    const response = await SELF.fetch(`${BASE}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain;charset=UTF-8' },
      body: JSON.stringify({ batch: [track(anon, 'X', Date.now())], writeKey: WRITE_KEY }),
    })
    expect(response.status).toBe(200)
    expect((await json(response)).accepted).toBe(1)
  })

  it('takes analytics.js 2.0 pointed at the collector (apiHost): its short paths /v1/t, /p, /i, /b', async () => {
    // Segment's browser library posts each call to `https://<apiHost>/<first letter of its type>`
    // (t, p, i, a, g, s), and batches to `/b`, as text/plain with the writeKey in the body: a
    // site that moves from Segment changes `apiHost` only. Those paths answered 404.
    const anon = uniqueId('a')
    const send = (path: string, body: unknown) =>
      SELF.fetch(`${BASE}/v1/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', origin: 'https://shop.example' },
        body: JSON.stringify(body),
      })
    const sentAt = new Date().toISOString()
    const single = await send('t', {
      ...track(anon, 'Short', Date.now()),
      writeKey: WRITE_KEY,
      sentAt,
      _metadata: { bundled: ['Segment.io'] },
    })
    expect(single.status).toBe(200)
    expect(single.headers.get('access-control-allow-origin')).toBe('https://shop.example')
    const page = await send('p', {
      type: 'page',
      anonymousId: anon,
      properties: { path: '/a' },
      writeKey: WRITE_KEY,
      sentAt,
    })
    expect(page.status).toBe(200)
    const batched = await send('b', {
      writeKey: WRITE_KEY,
      batch: [track(anon, 'Batched', Date.now())],
      sentAt,
    })
    expect(await json(batched)).toMatchObject({ success: true, accepted: 1 })
    expect((await storedEvents(anon)).map((e) => e.type).sort()).toEqual(['page', 'track', 'track'])
  })

  it('never stores a writeKey sent inside an event, and keeps the rest of it', async () => {
    const anon = uniqueId('a')
    const single = await SELF.fetch(`${BASE}/v1/track`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain;charset=UTF-8' },
      body: JSON.stringify({ ...track(anon, 'Alone', Date.now()), writeKey: WRITE_KEY }),
    })
    expect(single.status).toBe(200)
    await post('/v1/batch', {
      batch: [{ ...track(anon, 'Batched', Date.now()), writeKey: WRITE_KEY, extra: 1 }],
    })
    const events = await storedEvents(anon)
    expect(events).toHaveLength(2)
    for (const event of events) expect(event).not.toHaveProperty('writeKey')
    expect(events.some((event) => 'extra' in event)).toBe(true)
  })

  it('keeps __proto__ and constructor keys as plain data', async () => {
    const anon = uniqueId('a')
    const text = `{"batch":[{"type":"identify","anonymousId":"${anon}","timestamp":"${iso(Date.now())}",
      "traits":{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}},
      "properties":{"__proto__":{"polluted":true}}}]}`
    const body = await json(await post('/v1/batch', text))
    expect(body.accepted).toBe(1)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    const view = await json<{ traits: Record<string, unknown> }>(
      await admin(`/v1/profiles/${anonymousProfile(anon)}`),
    )
    expect(Object.getOwnPropertyNames(view.traits).sort()).toEqual(['__proto__', 'constructor'])

    const smuggled = await post(
      '/v1/batch',
      `{"__proto__":{"batch":[${JSON.stringify(track(anon, 'X', 0))}]}}`,
    )
    expect(smuggled.status).toBe(400)
    expect((await json(smuggled)).error).toBe('"batch" must be an array of events (got nothing)')
  })
})

describe('POST /v1/batch refuses bad requests with a 4xx that says why', () => {
  const cases: [string, string | object, number, string][] = [
    ['malformed JSON', '{"batch": [', 400, 'body is not valid JSON'],
    ['an empty body', '', 400, 'empty body'],
    [
      'a JSON array body',
      '[]',
      400,
      'body must be a JSON object like {"batch": [...]} (got an array)',
    ],
    [
      'a batch that is not an array',
      { batch: { type: 'track' } },
      400,
      '"batch" must be an array of events (got an object)',
    ],
    ['an empty batch', { batch: [] }, 400, 'no events: "batch" is empty'],
    ['a bad sentAt', { batch: [{}], sentAt: 'now' }, 400, '"sentAt" must be an ISO-8601'],
    [
      'a context that is not an object',
      { batch: [{}], context: 'x' },
      400,
      '"context" must be an object',
    ],
    [
      'a writeKey that is not a string',
      { batch: [{}], writeKey: 1 },
      400,
      '"writeKey" must be a string',
    ],
    [
      'JSON nested deeper than 64',
      `{"batch":[${'['.repeat(70)}${']'.repeat(70)}]}`,
      400,
      'JSON nested deeper than 64 levels',
    ],
    [
      'more than 2,500 events',
      { batch: Array.from({ length: 2501 }, () => ({})) },
      413,
      'at most 2500',
    ],
  ]
  it.each(cases)('%s', async (_, body, status, message) => {
    const response = await post('/v1/batch', body)
    expect(response.status).toBe(status)
    const answer = await json(response)
    expect(answer.success).toBe(false)
    expect(answer.error).toContain(message)
  })

  it('a body over 500 KB: 413', async () => {
    const batch = [
      { type: 'track', event: 'X', anonymousId: 'a', properties: { pad: 'x'.repeat(520_000) } },
    ]
    const response = await post('/v1/batch', { batch })
    expect(response.status).toBe(413)
    expect((await json(response)).error).toBe('body over 500 KB: send fewer events per request')
  })

  it('a streamed body over 500 KB without Content-Length: 413', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024))
    let sent = 0
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 10) controller.enqueue(chunk)
        else controller.close()
      },
    })
    const response = await SELF.fetch(`${BASE}/v1/batch`, {
      method: 'POST',
      headers: { authorization: basic(WRITE_KEY) },
      body,
    })
    expect(response.status).toBe(413)
    expect(sent).toBeLessThan(10)
  })

  it('an event over 32 KB is rejected alone', async () => {
    const anon = uniqueId('a')
    const big = { ...track(anon, 'Big', Date.now()), properties: { pad: 'x'.repeat(33 * 1024) } }
    const body = await json(
      await post('/v1/batch', { batch: [big, track(anon, 'Small', Date.now())] }),
    )
    expect(body.accepted).toBe(1)
    expect(body.rejected).toEqual([
      {
        index: 0,
        messageId: big.messageId,
        error: expect.stringMatching(/^event is \d+ bytes, over the 32 KB limit/),
      },
    ])
  })

  it('an event nested deeper than 32 levels is rejected alone: its batch is not lost', async () => {
    // Refused as a whole (400), the batch was dropped by the SDK with its good events.
    const anon = uniqueId('a')
    let deep: unknown = 1
    for (let level = 0; level < 40; level++) deep = { a: deep }
    const nested = { ...track(anon, 'Deep', Date.now()), properties: { deep } }
    const response = await post('/v1/batch', { batch: [track(anon, 'Small', Date.now()), nested] })
    expect(response.status).toBe(200)
    const body = await json(response)
    expect(body.accepted).toBe(1)
    expect(body.rejected).toEqual([
      {
        index: 1,
        messageId: nested.messageId,
        error: 'nested deeper than 32 levels of objects and arrays: flatten the event',
      },
    ])
  })

  it('an event is measured as its JSON, not as it was sent: 11 KB of "1e20" is 34 KB stored', async () => {
    const anon = uniqueId('a')
    const small = track(anon, 'Small', Date.now())
    const numbers = Array.from({ length: 1600 }, () => '1e20').join(',')
    const big = JSON.stringify({ ...small, event: 'Big', messageId: uniqueId('m') }).replace(
      /}$/,
      `,"properties":{"values":[${numbers}]}}`,
    )
    const text = `{"batch":[${big},${JSON.stringify(small)}]}`
    expect(text.length).toBeLessThan(16 * 1024)
    const body = await json(await post('/v1/batch', text))
    expect(body.accepted).toBe(1)
    expect(body.rejected).toEqual([
      {
        index: 0,
        messageId: expect.any(String),
        error: expect.stringMatching(/^event is 3\d{4} bytes, over the 32 KB limit/),
      },
    ])
  })

  it('no writeKey: 401', async () => {
    const response = await post('/v1/batch', { batch: [{}] }, { authorization: '' })
    expect(response.status).toBe(401)
    expect((await json(response)).error).toContain('missing writeKey')
  })

  it('an unknown writeKey: 401, from the header or the body', async () => {
    const header = await post('/v1/batch', { batch: [{}] }, { authorization: basic('nope') })
    expect(header.status).toBe(401)
    expect((await json(header)).error).toContain('unknown writeKey')
    const inBody = await post('/v1/batch', { batch: [{}], writeKey: 'nope' }, { authorization: '' })
    expect(inBody.status).toBe(401)
  })
})

describe('POST /v1/track|page|screen|identify|alias|group', () => {
  it('takes the type from the path', async () => {
    const anon = uniqueId('a')
    const user = uniqueId('u')
    const now = Date.now()
    const sent: [string, Record<string, unknown>][] = [
      ['track', { event: 'Coupon Claimed', anonymousId: anon }],
      ['page', { anonymousId: anon, properties: { path: '/checkout/cart' } }],
      ['screen', { anonymousId: anon, name: 'Home' }],
      ['identify', { type: 'page', userId: user, traits: { vip: true } }],
      ['alias', { previousId: anon, userId: user }],
      ['group', { userId: user, groupId: 'g1' }],
    ]
    // The server source: a user-to-user alias needs one (secure-mode.test.ts has the browser's).
    for (const [type, event] of sent) {
      const response = await postAsServer(`/v1/${type}`, { ...event, timestamp: iso(now) })
      expect(response.status, type).toBe(200)
      expect(await json(response), type).toMatchObject({ accepted: 1, rejected: [] })
    }
    const view = await json<{ events: StoredEvent[]; traits: unknown }>(
      await admin(`/v1/profiles/${user}`),
    )
    // The alias merged the anonymous profile into the user's.
    expect(view.events.map((e) => e.type).sort()).toEqual([
      'alias',
      'group',
      'identify',
      'page',
      'screen',
      'track',
    ])
    expect(view.traits).toEqual({ vip: true })
  })

  it('rejects an event that misses a required field, naming it', async () => {
    const body = await json(await post('/v1/alias', { userId: 'u1' }))
    expect(body.accepted).toBe(0)
    expect(body.rejected).toEqual([
      { index: 0, messageId: null, error: 'an alias needs a non-empty "previousId"' },
    ])
  })

  it('unknown types are not routes', async () => {
    const response = await post('/v1/jump', { anonymousId: 'a' })
    expect(response.status).toBe(404)
  })
})
