import { Hono } from 'hono'
import type { TagValue } from '../../rules/index.ts'
import { activeRules } from '../rules/active-rules.ts'
import { adminAuth } from '../auth/admin-auth.ts'
import { decodeCursor, encodeCursor } from '../audience/cursor.ts'
import { queryAudience } from '../audience/query.ts'
import type { AppEnv } from '../env.ts'
import { fail } from '../http-error.ts'
import { MAX_ID_LENGTH } from '../limits.ts'
import { parseJson } from '../parse-json.ts'
import { readBody } from '../read-body.ts'
import { describe, isRecord } from '../values.ts'

/** The answer to `POST /v1/audiences/query`. */
export interface AudienceResponse {
  /** Every matching profile. */
  count: number
  /** This page's profiles, by id, each with every tag the index holds for it. */
  profiles: { id: string; tags: Record<string, TagValue> }[]
  /** Send it back for the next page; `null` on the last one. */
  cursor: string | null
}

/** Largest query body, in bytes. */
const MAX_QUERY_BYTES = 64 * 1024
/** Page size when the body gives none. */
const DEFAULT_LIMIT = 50
const MAX_LIMIT = 1000
const FIELDS = new Set(['where', 'limit', 'cursor'])

/**
 * `POST /v1/audiences/query` (adminKey) `{ where, limit?, cursor? }` → the profiles whose tags
 * satisfy `where` (JsonLogic over `{ tags }`, with the engine's semantics), by profile id, from
 * the D1 tag index.
 */
export const audiences = new Hono<AppEnv>()
  .use('/audiences/*', adminAuth())
  .post('/audiences/query', async (c) => {
    const body = parseJson(
      await readBody(c.req.raw, MAX_QUERY_BYTES, 'audience queries are at most 64 KB'),
      // Each JsonLogic level is an object and an array: twice the engine's depth limit, and some.
      70,
    )
    if (!isRecord(body))
      throw fail(400, `body must be a JSON object like {"where": {...}} (got ${describe(body)})`)
    for (const key of Object.keys(body))
      if (!FIELDS.has(key))
        throw fail(
          400,
          `unknown field ${JSON.stringify(key)}: the body takes "where", "limit" and "cursor"`,
        )
    if (body.where === undefined)
      throw fail(400, '"where" is required: a JsonLogic expression over { tags }')
    const limit = body.limit ?? DEFAULT_LIMIT
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
      throw fail(
        400,
        `"limit" must be an integer from 1 to ${MAX_LIMIT} (got ${describe(body.limit)})`,
      )
    let after: string | undefined
    if (body.cursor !== undefined && body.cursor !== null) {
      if (typeof body.cursor !== 'string' || body.cursor.length > 4 * MAX_ID_LENGTH)
        throw fail(
          400,
          `"cursor" must be the string a previous page returned (got ${describe(body.cursor)})`,
        )
      after = decodeCursor(body.cursor)
    }

    const { rules } = await activeRules(c.env)
    const tagIds = rules.tags.map((tag) => tag.id)
    const { count, profiles, next } = await queryAudience(c.env.DB, tagIds, body.where, {
      after,
      limit,
    })
    return c.json<AudienceResponse>({
      count,
      profiles,
      cursor: next === null ? null : encodeCursor(next),
    })
  })
