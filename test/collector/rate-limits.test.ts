import { describe, expect, it } from 'vitest'
import { parseRate } from '../../collector/auth/token-buckets.ts'
import { admin, basic, get, json, post, track, uniqueId } from './helpers.ts'
import { anonymousProfile } from '../../rules/index.ts'

const as = (writeKey: string, ip: string) => ({
  authorization: basic(writeKey),
  'cf-connecting-ip': ip,
})

describe('rate limits', () => {
  it('answers 429 with Retry-After over the limit per writeKey and IP', async () => {
    const ip = `198.51.100.${Math.floor(Math.random() * 250)}`
    const anon = uniqueId('a')
    const headers = as('limited-write-key', ip)
    for (let i = 0; i < 3; i++) {
      const response = await post('/v1/batch', { batch: [track(anon, 'X', Date.now())] }, headers)
      expect(response.status).toBe(200)
    }
    const over = await post('/v1/batch', { batch: [track(anon, 'X', Date.now())] }, headers)
    expect(over.status).toBe(429)
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect((await json(over)).error).toContain('too many requests for this writeKey')
    // Reads count too; another address, or another writeKey, is not limited.
    expect((await get(`/v1/tags?anonymousId=${anon}`, headers)).status).toBe(429)
    const other = as('limited-write-key', `${ip}1`)
    expect((await get(`/v1/tags?anonymousId=${anon}`, other)).status).toBe(200)
    expect((await get(`/v1/tags?anonymousId=${anon}`, as('demo-write-key', ip))).status).toBe(200)
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

  it('reads rates as "<count>/<seconds>" and names the var to fix otherwise', () => {
    expect(parseRate('1200/60', 'RATE_LIMIT_CLIENT')).toEqual({ limit: 1200, periodMs: 60_000 })
    expect(() => parseRate('fast', 'RATE_LIMIT_CLIENT')).toThrow(
      'RATE_LIMIT_CLIENT must be "<count>/<seconds>", like "1200/60" (got "fast")',
    )
  })
})
