// What the collector answers when a Durable Object call fails in the platform, not in our code:
// the runtime marks such errors `retryable` (the object restarted or moved, the connection
// dropped) or `overloaded`. A client should wait and send again, so they are a 503 with
// Retry-After, not a 500 (GET /v1/rules/preview/:id answered 500 while a 100,000-profile preview
// ran under wrangler dev). Thrown here as the runtime throws them, through the app's handler.
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { onError, tooManyRequests } from '../../collector/http-error.ts'

/** An app whose only route throws `error`, with the collector's error handler. */
function throwing(error: Error) {
  return new Hono().onError(onError).get('/', () => {
    throw error
  })
}

const platformError = (properties: Record<string, boolean>) =>
  Object.assign(new Error('Durable Object reset because its code was updated.'), properties)

describe('errors of a Durable Object call', () => {
  it('answers a retryable one 503 with Retry-After, without its message', async () => {
    const response = await throwing(platformError({ retryable: true })).request('/')
    expect(response.status).toBe(503)
    expect(response.headers.get('retry-after')).toBe('2')
    const { error } = (await response.json()) as { error: string }
    expect(error).toContain('retry after 2 s')
    expect(error).not.toContain('code was updated')
  })

  it('asks an overloaded one to wait longer', async () => {
    const response = await throwing(platformError({ overloaded: true, retryable: false })).request(
      '/',
    )
    expect(response.status).toBe(503)
    expect(response.headers.get('retry-after')).toBe('10')
  })

  it('still answers any other error 500 with no details', async () => {
    const response = await throwing(new Error('secret detail')).request('/')
    expect(response.status).toBe(500)
    expect(await response.json()).toEqual({ success: false, error: 'internal error' })
  })
})

describe('a rate limit', () => {
  it('says how long to wait as Retry-After and as X-RateLimit-Reset, which analytics.js reads', async () => {
    // The batching dispatcher of some analytics.js releases waits X-RateLimit-Reset seconds after
    // a 429 (else its own 5 s); newer ones, and our SDK, read Retry-After.
    const response = await throwing(tooManyRequests(12_300, 'too many requests')).request('/')
    expect(response.status).toBe(429)
    expect(response.headers.get('retry-after')).toBe('13')
    expect(response.headers.get('x-ratelimit-reset')).toBe('13')
  })
})
