import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from '../env.ts'
import { credentials } from './credentials.ts'
import { fail } from '../http-error.ts'

const encoder = new TextEncoder()
const digest = (text: string) => crypto.subtle.digest('SHA-256', encoder.encode(text))

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
    const [a, b] = await Promise.all([digest(given), digest(adminKey)])
    if (!crypto.subtle.timingSafeEqual(a, b))
      throw fail(401, 'wrong adminKey (a writeKey does not work on admin routes)')
    await next()
  }
