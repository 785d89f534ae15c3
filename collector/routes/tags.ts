import { Hono } from 'hono'
import { anonymousProfile, userProfile } from '../../rules/index.ts'
import { activeRules } from '../rules/active-rules.ts'
import type { AppEnv } from '../env.ts'
import { fail } from '../http-error.ts'
import { MAX_ID_LENGTH } from '../limits.ts'
import { atProfile } from '../profile/follow-forwards.ts'
import { limitClient } from '../auth/rate-limits.ts'
import { authorizeSource, basicWriteKey } from '../auth/source-auth.ts'
import { provesUser, UNPROVEN_USER } from '../auth/user-hash.ts'

/**
 * `GET /v1/tags?anonymousId=…[&userId=…&userHash=…]` (writeKey) → `{ tags, rulesVersion }`: only
 * what the request proves (spec: collector.md, "Reads"). With a `userId`, the user's tags, which a
 * browser source reads only with a valid `userHash` (else `403`, revealing nothing); a server
 * source is trusted. Else the anonymous profile's tags (the random anonymousId is its bearer
 * secret), following its identity merge. The answer never names a profile or another id.
 */
export const tags = new Hono<AppEnv>().get('/tags', async (c) => {
  const source = authorizeSource(c, basicWriteKey(c.req.header('authorization')))
  await limitClient(c, source)
  const userId = c.req.query('userId')
  const anonymousId = c.req.query('anonymousId')
  const id = userId || anonymousId
  if (!id)
    throw fail(400, 'query parameter "anonymousId" (or "userId" with "userHash") is required')
  if (id.length > MAX_ID_LENGTH)
    throw fail(400, `profile ids are at most ${MAX_ID_LENGTH} characters`)
  const profile = userId ? userProfile(userId) : anonymousProfile(id)
  if (userId && !(await provesUser(source, userId, c.req.query('userHash'))))
    throw fail(403, `${UNPROVEN_USER}: send it as the "userHash" query parameter`)
  const [active, { value: tags }] = await Promise.all([
    activeRules(c.env),
    atProfile(c.env, profile, (stub) => stub.tags()),
  ])
  return c.json({ tags, rulesVersion: active.version })
})
