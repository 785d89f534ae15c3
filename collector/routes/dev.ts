import { Hono } from 'hono'
import type { AppEnv } from '../env.ts'
import { fail } from '../http-error.ts'
import { MAX_ID_LENGTH } from '../limits.ts'
import { sourcesOf } from '../auth/sources.ts'
import { userHash } from '../auth/user-hash.ts'

/**
 * `GET /dev/user-hash?userId=…` → `{ userHash }`: plays the site's backend for the local demo shop,
 * which has none (a real site computes the hash server-side for its signed-in user). It exists only
 * when `DEV_USER_HASH_SOURCE` names a browser source (local dev config, .dev.vars.example): never set
 * it in a deployment, since it would hand out every user's hash.
 */
export const dev = new Hono<AppEnv>().get('/user-hash', async (c) => {
  const writeKey = c.env.DEV_USER_HASH_SOURCE
  if (!writeKey) return c.notFound()
  const source = sourcesOf(c.env).get(writeKey)
  if (!source?.identitySecret)
    throw fail(
      503,
      `DEV_USER_HASH_SOURCE names ${JSON.stringify(writeKey)}, not a browser source with an identity secret`,
    )
  const userId = c.req.query('userId')
  if (!userId || userId.length > MAX_ID_LENGTH)
    throw fail(400, `query parameter "userId" is required (at most ${MAX_ID_LENGTH} characters)`)
  return c.json({ userHash: await userHash(source.identitySecret, userId) })
})
