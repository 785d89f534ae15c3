import { SELF } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { BASE, basic, get, json, post, track, uniqueId } from './helpers.ts'

const SHOP = 'https://shop.example'
const SHOP_KEY = 'shop-write-key'

const preflight = (path: string, origin: string) =>
  SELF.fetch(`${BASE}${path}`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'GET',
      'access-control-request-headers': 'authorization',
    },
  })

describe('CORS on the public routes', () => {
  it('answers a preflight for an origin some source allows', async () => {
    for (const path of ['/v1/batch', '/v1/track', '/v1/rules', '/v1/tags']) {
      const response = await preflight(path, SHOP)
      expect(response.status, path).toBe(204)
      expect(response.headers.get('access-control-allow-origin')).toBe(SHOP)
      expect(response.headers.get('access-control-allow-headers')).toContain('Authorization')
      expect(response.headers.get('access-control-allow-methods')).toContain('POST')
    }
  })

  it("allows every request header a browser sends to ingest: analytics.js 2.0's retry count, a gzip body", async () => {
    // A browser sends a request only when each of its headers is in the preflight's
    // Access-Control-Allow-Headers; else fetch fails ("Failed to fetch", checked in Chromium) and
    // the request never arrives. Segment's analytics.js 2.0 (1.84) adds X-Retry-Count to every
    // retry, so after a 429 or 503 its events were retried until dropped; a page may gzip a
    // large batch (CompressionStream) as the collector reads it (Content-Encoding: gzip).
    const sent = {
      '/v1/t': 'Authorization, Content-Type, X-Retry-Count',
      '/v1/b': 'authorization,content-type,x-retry-count',
      '/v1/batch': 'Authorization, Content-Type, Content-Encoding',
    }
    for (const [path, requested] of Object.entries(sent)) {
      const response = await SELF.fetch(`${BASE}${path}`, {
        method: 'OPTIONS',
        headers: {
          origin: SHOP,
          'access-control-request-method': 'POST',
          'access-control-request-headers': requested,
        },
      })
      expect(response.status, path).toBe(204)
      const allowed = (response.headers.get('access-control-allow-headers') ?? '')
        .split(',')
        .map((name) => name.trim().toLowerCase())
      for (const name of requested.split(','))
        expect(allowed, `${path}: ${name}`).toContain(name.trim().toLowerCase())
    }
  })

  it('lets a source limited to one origin send from it, and refuses other origins with 403', async () => {
    const batch = [track(uniqueId('a'), 'X', Date.now())]
    const allowed = await post(
      '/v1/batch',
      { batch },
      { authorization: basic(SHOP_KEY), origin: SHOP },
    )
    expect(allowed.status).toBe(200)
    expect(allowed.headers.get('access-control-allow-origin')).toBe(SHOP)

    const evil = 'https://evil.example'
    const refused = await post(
      '/v1/batch',
      { batch },
      { authorization: basic(SHOP_KEY), origin: evil },
    )
    expect(refused.status).toBe(403)
    expect((await json(refused)).error).toBe(
      `origin "${evil}" is not allowed for this writeKey: add it to the source's origins`,
    )
    const read = await get('/v1/rules', { authorization: basic(SHOP_KEY), origin: evil })
    expect(read.status).toBe(403)
  })

  it('allows any origin for a source configured with "*"', async () => {
    const response = await get('/v1/rules', { origin: 'https://anywhere.example' })
    expect(response.status).toBe(200)
    expect(response.headers.get('access-control-allow-origin')).toBe('https://anywhere.example')
    expect(response.headers.get('access-control-expose-headers')).toContain('ETag')
    // A page reads how long a 429 asks it to wait only through headers exposed to it.
    expect(response.headers.get('access-control-expose-headers')).toContain('Retry-After')
    expect(response.headers.get('access-control-expose-headers')).toContain('X-RateLimit-Reset')
  })

  it('does not answer preflights on admin routes', async () => {
    const response = await preflight('/v1/profiles/x', SHOP)
    expect(response.headers.get('access-control-allow-origin')).toBeNull()
  })
})
