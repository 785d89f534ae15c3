import { describe, expect, it } from 'vitest'
import { parseRate } from '../../collector/auth/token-buckets.ts'
import { env } from 'cloudflare:workers'
import { app } from '../../collector/app.ts'
import {
  admin,
  BASE,
  basic,
  get,
  iso,
  json,
  post,
  track,
  uniqueId,
  userHash,
  WRITE_KEY,
} from './helpers.ts'
import { anonymousProfile } from '../../rules/index.ts'

const as = (writeKey: string, ip: string) => ({
  authorization: basic(writeKey),
  'cf-connecting-ip': ip,
})

describe('rate limits', () => {
  it('counts requests per writeKey and address with the Rate Limiting binding, reads included', async () => {
    // The binding counts in fixed 60 s windows: start well inside one.
    const intoWindow = Date.now() % 60_000
    if (intoWindow > 45_000) await new Promise((r) => setTimeout(r, 60_000 - intoWindow + 100))
    const ip = `198.51.100.${Math.floor(Math.random() * 250)}`
    const anon = uniqueId('a')
    const headers = as('demo-write-key', ip)
    // vitest.config.ts sets the binding's limit to 50 a minute.
    for (let i = 0; i < 25; i++) {
      const batch = [track(anon, 'X', Date.now())]
      expect((await post('/v1/batch', { batch }, headers)).status).toBe(200)
      expect((await get(`/v1/tags?anonymousId=${anon}`, headers)).status).toBe(200)
    }
    const over = await post('/v1/batch', { batch: [track(anon, 'X', Date.now())] }, headers)
    expect(over.status).toBe(429)
    expect(Number(over.headers.get('retry-after'))).toBe(60)
    expect((await json(over)).error).toContain('too many requests for this writeKey')
    expect((await get(`/v1/tags?anonymousId=${anon}`, headers)).status).toBe(429)
    // Another address, or another writeKey from the same address, is not limited.
    expect((await get(`/v1/tags?anonymousId=${anon}`, as('demo-write-key', `${ip}1`))).status).toBe(
      200,
    )
    expect((await get(`/v1/tags?anonymousId=${anon}`, as('shop-write-key', ip))).status).toBe(200)
  }, 30_000)

  it('budgets a batch by its events per writeKey and address, not as one request', async () => {
    const ip = `203.0.113.${Math.floor(Math.random() * 250)}`
    const headers = as('limited-write-key', ip)
    const now = Date.now()
    const batch = (n: number) =>
      Array.from({ length: n }, (_, i) => track(uniqueId('a'), 'X', now - i))
    // The source allows 10 events a minute: one batch of 10 passes, the next single event waits
    // for one event's refill (6 s), less the time the first batch took (10 new profiles).
    const sent = Date.now()
    expect((await post('/v1/batch', { batch: batch(10) }, headers)).status).toBe(200)
    const over = await post('/v1/batch', { batch: batch(1) }, headers)
    expect(over.status).toBe(429)
    const retryAfter = Number(over.headers.get('retry-after'))
    expect(retryAfter).toBeGreaterThanOrEqual(6 - Math.ceil((Date.now() - sent) / 1000))
    expect(retryAfter).toBeLessThanOrEqual(6)
    expect((await json(over)).error).toContain('too many events for this writeKey from 203.0.113.')
    // Reads carry no events: they pass.
    expect((await get(`/v1/tags?anonymousId=${uniqueId('a')}`, headers)).status).toBe(200)
  })

  it('budgets new profiles per writeKey and address; existing profiles keep taking events', async () => {
    const ip = `192.0.2.${Math.floor(Math.random() * 250)}`
    const headers = as('few-profiles-key', ip)
    const now = Date.now()
    const [a, b, c, d] = [uniqueId('a'), uniqueId('b'), uniqueId('c'), uniqueId('d')]
    // The source allows 3 new profiles a minute: a batch of 3 new visitors passes.
    const first = [a, b, c].map((id) => track(id, 'X', now - 1000))
    expect((await post('/v1/batch', { batch: first }, headers)).status).toBe(200)
    // Before: every request could make as many profiles as it named (2,500 in one).
    const over = await post(
      '/v1/batch',
      { batch: [track(a, 'Y', now - 500), track(d, 'X', now - 500)] },
      headers,
    )
    expect(over.status).toBe(429)
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(15)
    const error = (await json(over)).error
    expect(error).toContain('too many new profiles for this writeKey from this address')
    expect(error).not.toContain(d)
    // The existing visitor's event was stored; the new one made nothing.
    const view = await json<{ events: unknown[] }>(
      await admin(`/v1/profiles/${anonymousProfile(a)}`),
    )
    expect(view.events).toHaveLength(2)
    expect((await admin(`/v1/profiles/${anonymousProfile(d)}`)).status).toBe(404)
    // Another address has its own budget; a server source has none by default.
    const elsewhere = as('few-profiles-key', `198.51.100.${Math.floor(Math.random() * 250)}`)
    expect((await post('/v1/batch', { batch: [track(d, 'X', now)] }, elsewhere)).status).toBe(200)
  })

  it('counts the profiles identity links make: an identify of a new anonymous id spends the budget', async () => {
    // Its own range: an address of the test above (`${ip}9` before) shared its budget once in 2,500.
    const headers = as('few-profiles-key', `198.18.0.${Math.floor(Math.random() * 250)}`)
    const user = uniqueId('u')
    const hash = await userHash(user)
    const now = Date.now()
    const identify = (anon: string) => ({
      type: 'identify',
      anonymousId: anon,
      userId: user,
      messageId: uniqueId('m'),
      timestamp: iso(now - 1000),
      context: { userHash: hash },
    })
    // One user (the signed-in attacker's own) and ten anonymousIds never seen: eleven objects, and
    // the budget of 3 was full, so the batch passes and leaves the budget in debt.
    const first = Array.from({ length: 10 }, () => identify(uniqueId('a')))
    expect((await post('/v1/batch', { batch: first }, headers)).status).toBe(200)
    // Before: only events' profiles counted, so each request could make 500 objects this way.
    const anon = uniqueId('a')
    const over = await post('/v1/batch', { batch: [identify(anon)] }, headers)
    expect(over.status).toBe(429)
    expect((await json(over)).error).toContain('too many new profiles for this writeKey')
    // The anonymous id made nothing: no forward to the user.
    expect((await admin(`/v1/profiles/${anonymousProfile(anon)}`)).status).toBe(404)
  })

  it('limits events per profile; other profiles of the batch are stored', async () => {
    const headers = as('busy-profile-key', '203.0.113.7')
    const [busy, calm] = [uniqueId('a'), uniqueId('a')]
    const now = Date.now()
    const events = (anon: string, n: number) =>
      Array.from({ length: n }, (_, i) => track(anon, 'X', now - i))
    // A batch larger than the bucket passes when the bucket is full, then the profile waits.
    expect((await post('/v1/batch', { batch: events(busy, 6) }, headers)).status).toBe(200)
    const over = await post(
      '/v1/batch',
      { batch: [...events(busy, 1), ...events(calm, 2)] },
      headers,
    )
    expect(over.status).toBe(429)
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(12)
    const error = (await json(over)).error
    expect(error).toContain('a profile of this batch is over its rate limit')
    // The answer names no profile: it may be the user an anonymousId was merged into.
    expect(error).not.toContain(busy)
    const view = await json<{ events: unknown[] }>(
      await admin(`/v1/profiles/${anonymousProfile(calm)}`),
    )
    expect(view.events).toHaveLength(2)
  })

  it('names the replacement of the former RATE_LIMIT_CLIENT and rateLimits.client', async () => {
    const request = () =>
      new Request(`${BASE}/v1/tags?anonymousId=a1`, {
        headers: { authorization: basic(WRITE_KEY) },
      })
    const old = await app.fetch(request(), { ...env, RATE_LIMIT_CLIENT: '1200/60' })
    expect(old.status).toBe(503)
    expect((await json(old)).error).toContain('CLIENT_REQUESTS rate limiting binding')
    const sources = JSON.stringify({
      [WRITE_KEY]: { origins: ['*'], server: true, rateLimits: { client: '3/60' } },
    })
    const source = await app.fetch(request(), { ...env, SOURCES: sources })
    expect(source.status).toBe(503)
    expect((await json(source)).error).toContain('.rateLimits must be like {"clientEvents"')
  })

  it('reads rates as "<count>/<seconds>" and names the var to fix otherwise', () => {
    expect(parseRate('1200/60', 'RATE_LIMIT_CLIENT')).toEqual({ limit: 1200, periodMs: 60_000 })
    expect(() => parseRate('fast', 'RATE_LIMIT_CLIENT')).toThrow(
      'RATE_LIMIT_CLIENT must be "<count>/<seconds>", like "1200/60" (got "fast")',
    )
  })
})
