import { Hono } from 'hono'
import { activeRules } from '../active-rules.ts'
import type { AppEnv } from '../env.ts'
import { fail } from '../http-error.ts'
import { MAX_ID_LENGTH } from '../limits.ts'
import { profileStub } from '../profile-stub.ts'
import { authorizeSource, basicWriteKey } from '../source-auth.ts'

/**
 * `GET /v1/tags?anonymousId=…[&userId=…]` (writeKey) → `{ profile, tags, rulesVersion }`: the
 * tags the edge holds for the profile (userId when given, else anonymousId).
 */
export const tags = new Hono<AppEnv>().get('/tags', async (c) => {
  authorizeSource(c, basicWriteKey(c.req.header('authorization')))
  const profile = c.req.query('userId') || c.req.query('anonymousId')
  if (!profile) throw fail(400, 'query parameter "anonymousId" (or "userId") is required')
  if (profile.length > MAX_ID_LENGTH)
    throw fail(400, `profile ids are at most ${MAX_ID_LENGTH} characters`)
  const [active, tags] = await Promise.all([activeRules(c.env), profileStub(c.env, profile).tags()])
  return c.json({ profile, tags, rulesVersion: active.version })
})
