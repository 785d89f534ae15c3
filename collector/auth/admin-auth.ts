import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from '../env.ts'
import { credentials } from './credentials.ts'
import { fail, tooManyRequests } from '../http-error.ts'
import { TokenBuckets, type Rate } from './token-buckets.ts'

const encoder = new TextEncoder()
const digest = (text: string) => crypto.subtle.digest('SHA-256', encoder.encode(text))

/**
 * Wrong adminKeys per client IP: 10 a minute (an operator's typos pass; a guesser gets one try
 * every 6 s), then every admin request from that address answers 429 until the bucket refills, the
 * right key too — so a guess that hits cannot be told from one that misses. Per isolate, like the
 * other limits here (approximate across Cloudflare locations).
 */
const WRONG_KEYS: Rate = { limit: 10, periodMs: 60_000 }
const wrongKeys = new TokenBuckets(10_000)

/**
 * Requires `Authorization: Bearer <ADMIN_KEY>`. The key is compared in constant time (over SHA-256
 * digests, so the length leaks nothing either); a writeKey never works here.
 */
export const adminAuth = (): MiddlewareHandler<AppEnv> =>
  async function adminAuth(c, next) {
    const adminKey = c.env.ADMIN_KEY
    if (!adminKey)
      throw fail(503, 'the admin API is disabled: set the ADMIN_KEY secret (locally in .dev.vars)')
    const given = credentials(c.req.header('authorization'), 'bearer')
    if (!given)
      throw fail(401, 'this route needs the adminKey: send Authorization: Bearer <adminKey>')
    const ip = c.req.header('cf-connecting-ip') ?? 'unknown'
    const now = Date.now()
    const wait = wrongKeys.waitFor(ip, 1, WRONG_KEYS, now)
    if (wait > 0) throw tooManyRequests(wait, 'too many wrong adminKeys from this address')
    const [a, b] = await Promise.all([digest(given), digest(adminKey)])
    if (!crypto.subtle.timingSafeEqual(a, b)) {
      wrongKeys.take(ip, 1, WRONG_KEYS, now)
      throw fail(401, 'wrong adminKey (a writeKey does not work on admin routes)')
    }
    await next()
  }
