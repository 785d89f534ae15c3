import { Hono, type Context } from 'hono'
import { activeRules } from '../rules/active-rules.ts'
import { adminAuth } from '../auth/admin-auth.ts'
import type { AppEnv } from '../env.ts'
import { fail } from '../http-error.ts'
import { MAX_ID_LENGTH } from '../limits.ts'
import { atProfile } from '../profile/follow-forwards.ts'
import { erasePerson } from '../profile/erase-person.ts'

/**
 * Admin (Bearer adminKey): `GET /v1/profiles/:id` (everything the edge holds),
 * `GET /v1/profiles/:id/explain/:tag` (why a tag has its value), `DELETE /v1/profiles/:id`
 * (erase, directory row included; `204`, also for a profile that never existed). An id merged into another profile
 * (identity merge) answers for that profile; erasing it erases the whole person: the profile it
 * joined and every id merged into that (`erase-person.ts`: repeatable, announced per id).
 */
export const profiles = new Hono<AppEnv>()
  .use('/profiles/*', adminAuth())
  .get('/profiles/:id', async (c) => {
    const id = profileId(c)
    const { value: view } = await atProfile(c.env, id, (stub) => stub.view())
    if (!view) throw notFound(id)
    return c.json(view)
  })
  .get('/profiles/:id/explain/:tag', async (c) => {
    const id = profileId(c)
    const tag = c.req.param('tag')
    const { rules } = await activeRules(c.env)
    if (!rules.tags.some((t) => t.id === tag))
      throw fail(404, `unknown tag ${JSON.stringify(tag)}: GET /v1/rules lists the tags`)
    const { value: explanation } = await atProfile(c.env, id, (stub) => stub.explain(tag))
    if (!explanation) throw notFound(id)
    return c.json(explanation)
  })
  .delete('/profiles/:id', async (c) => {
    await erasePerson(c.env, profileId(c))
    return c.body(null, 204)
  })

/** The longest profile name: an id with the `anonymous:` or `user:` prefix of profile-key.ts. */
const MAX_PROFILE_NAME = MAX_ID_LENGTH + 'anonymous:'.length

function profileId(c: Context<AppEnv>): string {
  const id = c.req.param('id') ?? ''
  if (id.length > MAX_PROFILE_NAME)
    throw fail(400, `profile names are at most ${MAX_PROFILE_NAME} characters`)
  return id
}

const notFound = (id: string) =>
  fail(
    404,
    `no profile ${JSON.stringify(id)}: it has no events (a profile is named by its userId, or anonymous:<anonymousId> for a visitor)`,
  )
