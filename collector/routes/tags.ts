import { Hono } from 'hono'
import { activeRules } from '../rules/active-rules.ts'
import type { AppEnv } from '../env.ts'
import { fail } from '../http-error.ts'
import { MAX_ID_LENGTH } from '../limits.ts'
import { atProfile } from '../profile/follow-forwards.ts'
import { limitClient } from '../auth/rate-limits.ts'
import { authorizeSource, basicWriteKey } from '../auth/source-auth.ts'

/**
 * `GET /v1/tags?anonymousId=…[&userId=…]` (writeKey) → `{ profile, tags, rulesVersion }`: the
 * tags the edge holds for the profile (userId when given, else anonymousId), following identity
 * merges: an anonymousId merged into a user answers with the user's profile and tags.
 */
export const tags = new Hono<AppEnv>().get('/tags', async (c) => {
  limitClient(c, authorizeSource(c, basicWriteKey(c.req.header('authorization'))))
  const id = c.req.query('userId') || c.req.query('anonymousId')
  if (!id) throw fail(400, 'query parameter "anonymousId" (or "userId") is required')
  if (id.length > MAX_ID_LENGTH)
    throw fail(400, `profile ids are at most ${MAX_ID_LENGTH} characters`)
  const [active, { profile, value: tags }] = await Promise.all([
    activeRules(c.env),
    atProfile(c.env, id, (stub) => stub.tags()),
  ])
  return c.json({ profile, tags, rulesVersion: active.version })
})
