import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from '../env.ts'
import { fail } from '../http-error.ts'
import { allowsOrigin, sourcesOf } from './sources.ts'

/**
 * Every request header a page sends to a public route, else the browser refuses the request
 * before it leaves: `Content-Encoding` for a gzip body (read-body.ts), `X-Retry-Count`, which
 * Segment's analytics.js 2.0 adds to each retry.
 */
const ALLOW_HEADERS = 'Authorization, Content-Type, Content-Encoding, If-None-Match, X-Retry-Count'
const ALLOW_METHODS = 'GET, POST, OPTIONS'

/**
 * CORS for the public routes. A preflight carries no writeKey, so it passes when some source
 * allows the origin; the request itself is then checked against its own source
 * (`authorizeSource`); a server source's responses carry no CORS headers. Every response to a browser, errors included, is readable by the page, so
 * the SDK can log why it was refused; data is only ever served to an allowed origin.
 */
export const publicCors = (): MiddlewareHandler<AppEnv> =>
  async function publicCors(c, next) {
    const origin = c.req.header('origin')
    if (c.req.method === 'OPTIONS') {
      const sources = [...sourcesOf(c.env).values()]
      if (origin === undefined || !sources.some((s) => allowsOrigin(s, origin)))
        throw fail(403, `origin ${JSON.stringify(origin ?? null)} is not allowed by any source`)
      return c.body(null, 204, {
        'Access-Control-Allow-Origin': origin,
        'Access-Control-Allow-Methods': ALLOW_METHODS,
        'Access-Control-Allow-Headers': ALLOW_HEADERS,
        'Access-Control-Max-Age': '86400',
        Vary: 'Origin',
      })
    }
    await next()
    // Server sources get no CORS: their writeKey never belongs in a page.
    if (origin === undefined || c.get('source')?.server) return
    c.res.headers.set('Access-Control-Allow-Origin', origin)
    c.res.headers.set('Access-Control-Expose-Headers', 'ETag, Retry-After, X-RateLimit-Reset')
    c.res.headers.append('Vary', 'Origin')
  }
