import { Hono } from 'hono'
import { adminAuth } from '../auth/admin-auth.ts'
import type { AppEnv } from '../env.ts'
import { fail } from '../http-error.ts'
import { recentChanges, type FeedChange } from '../export/tag-index.ts'

/** The answer to `GET /v1/changes`. */
export interface ChangesResponse {
  changes: FeedChange[]
  /** Pass as `after` to get the next changes: the last `seq` given (or the `after` sent). */
  cursor: number | null
  /**
   * `true` when changes after `after` left the log (it keeps the latest 10,000) before they were
   * read: the reader missed them (the export queue and the destinations did not).
   */
  trimmed: boolean
}

const integer = (name: string, raw: string | undefined, min: number, max: number) => {
  if (raw === undefined) return undefined
  const value = Number(raw)
  if (!/^\d+$/.test(raw) || value < min || value > max)
    throw fail(400, `${name} must be an integer from ${min} to ${max}, got "${raw}"`)
  return value
}

/**
 * `GET /v1/changes?after=&limit=` (admin): the live feed of tag changes from the D1 change log
 * (the latest 10,000), oldest first. Without `after`, the latest `limit` (default 100, at most
 * 500). Changes reach the log through the export queue, a second or so after their commit.
 */
export const changes = new Hono<AppEnv>().get('/changes', adminAuth(), async (c) => {
  const after = integer('after', c.req.query('after'), 0, Number.MAX_SAFE_INTEGER)
  const limit = integer('limit', c.req.query('limit'), 1, 500) ?? 100
  const { changes: list, trimmed } = await recentChanges(c.env.DB, after, limit)
  const body: ChangesResponse = {
    changes: list,
    cursor: list.length ? list[list.length - 1]!.seq : (after ?? null),
    trimmed,
  }
  return c.json(body)
})
