import type { ErrorHandler, NotFoundHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

/**
 * An error response for the client: `{ success: false, error }` with `status`. Throw it from a route;
 * {@link onError} turns it into the response. `message` says what was wrong and how to fix it.
 */
export function fail(
  status: ContentfulStatusCode,
  message: string,
  headers?: Record<string, string>,
): HTTPException {
  const res = Response.json({ success: false, error: message }, { status, headers })
  return new HTTPException(status, { message, res })
}

/** How long a client waits after a Durable Object's transient failure, in seconds. */
const RETRY_TRANSIENT_S = 2
/** How long after an overloaded Durable Object (retrying sooner adds to the load). */
const RETRY_OVERLOADED_S = 10

/**
 * The one error handler: client errors as thrown; a Durable Object's infrastructure failure that
 * the platform marks `retryable` (a restart, a move, a dropped connection) or `overloaded` a `503`
 * with `Retry-After` (Cloudflare's error-handling guidance); anything else a 500. None leaks
 * details.
 */
export const onError: ErrorHandler = (error) => {
  if (error instanceof HTTPException) return error.getResponse()
  console.error('tagwise collector:', error)
  const overloaded = 'overloaded' in error && error.overloaded === true
  const retryable = 'retryable' in error && error.retryable === true
  if (overloaded || retryable) {
    const seconds = overloaded ? RETRY_OVERLOADED_S : RETRY_TRANSIENT_S
    return Response.json(
      {
        success: false,
        error: `temporarily unavailable (a storage object ${overloaded ? 'is overloaded' : 'restarted'}): retry after ${seconds} s`,
      },
      { status: 503, headers: { 'Retry-After': String(seconds) } },
    )
  }
  return Response.json({ success: false, error: 'internal error' }, { status: 500 })
}

/** Unknown routes: 404 that names the route. */
export const notFound: NotFoundHandler = (c) =>
  c.json({ success: false, error: `no route ${c.req.method} ${new URL(c.req.url).pathname}` }, 404)

/** `429` with `Retry-After` (whole seconds, at least 1) for a wait of `waitMs`. */
export const tooManyRequests = (waitMs: number, message: string): HTTPException => {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000))
  // X-RateLimit-Reset as well: the batching dispatcher of some releases of Segment's browser
  // library (analytics.js 2.0) waits that many seconds after a 429, else its own 5 s; 1.70.0 and
  // 1.84.3 read Retry-After only.
  return fail(429, `${message}: retry after ${seconds} s`, {
    'Retry-After': String(seconds),
    'X-RateLimit-Reset': String(seconds),
  })
}
