import type { ExportedChange } from './message.ts'

/** Rows of `tag_changes` kept for the live feed (`GET /v1/changes`); older ones are trimmed. */
export const CHANGES_KEPT = 10_000

/**
 * Applies exported tag changes to the D1 tag index and the change log (migrations/0001_init.sql),
 * in one D1 batch (one implicit transaction). Idempotent and order-tolerant, since the queue
 * delivers at least once and may reorder retried messages:
 * - the log skips a change id it holds already;
 * - the index keeps present tags only; a change is applied unless the log holds a later change
 *   of the same profile and tag, and an upsert never overwrites a newer `updated_at`.
 */
export async function applyToIndex(
  db: D1Database,
  changes: readonly ExportedChange[],
): Promise<void> {
  if (!changes.length) return
  const statements: D1PreparedStatement[] = []
  for (const c of changes) {
    const newer = `SELECT 1 FROM tag_changes WHERE profile = ?1 AND tag = ?2 AND at > ?3`
    if (c.to === null)
      statements.push(
        db
          .prepare(
            `DELETE FROM tag_index WHERE profile = ?1 AND tag = ?2 AND updated_at <= ?3 AND NOT EXISTS (${newer})`,
          )
          .bind(c.profile, c.tag, c.at),
      )
    else
      statements.push(
        db
          .prepare(
            `INSERT INTO tag_index (profile, tag, value, num, updated_at)
             SELECT ?1, ?2, ?4, ?5, ?3 WHERE NOT EXISTS (${newer})
             ON CONFLICT (profile, tag) DO UPDATE SET
               value = excluded.value, num = excluded.num, updated_at = excluded.updated_at
             WHERE excluded.updated_at >= tag_index.updated_at`,
          )
          .bind(
            c.profile,
            c.tag,
            c.at,
            JSON.stringify(c.to),
            typeof c.to === 'number' ? c.to : null,
          ),
      )
    statements.push(
      db
        .prepare(
          `INSERT INTO tag_changes (id, profile, tag, from_value, to_value, at, rules_version)
           VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
        )
        .bind(
          c.id,
          c.profile,
          c.tag,
          c.from === null ? null : JSON.stringify(c.from),
          c.to === null ? null : JSON.stringify(c.to),
          c.at,
          c.rulesVersion,
        ),
    )
  }
  statements.push(
    db
      .prepare(`DELETE FROM tag_changes WHERE seq <= (SELECT max(seq) FROM tag_changes) - ?`)
      .bind(CHANGES_KEPT),
  )
  await db.batch(statements)
}

/** Forgets profiles in the index and the change log (erasure, or an id merged into another). */
export async function removeFromIndex(db: D1Database, profiles: readonly string[]): Promise<void> {
  if (!profiles.length) return
  await db.batch(
    profiles.flatMap((profile) => [
      db.prepare(`DELETE FROM tag_index WHERE profile = ?`).bind(profile),
      db.prepare(`DELETE FROM tag_changes WHERE profile = ?`).bind(profile),
    ]),
  )
}

/** One entry of the live feed. */
export interface FeedChange {
  seq: number
  profile: string
  tag: string
  from: unknown
  to: unknown
  /** ISO-8601 */
  at: string
  rulesVersion: string | null
}

/**
 * The change log after `after` (oldest first), or, without `after`, the latest `limit` changes
 * (still oldest first), for `GET /v1/changes`.
 */
export async function recentChanges(
  db: D1Database,
  after: number | undefined,
  limit: number,
): Promise<FeedChange[]> {
  const query =
    after === undefined
      ? db
          .prepare(
            `SELECT * FROM (SELECT * FROM tag_changes ORDER BY seq DESC LIMIT ?) ORDER BY seq`,
          )
          .bind(limit)
      : db
          .prepare(`SELECT * FROM tag_changes WHERE seq > ? ORDER BY seq LIMIT ?`)
          .bind(after, limit)
  const { results } = await query.all<{
    seq: number
    profile: string
    tag: string
    from_value: string | null
    to_value: string | null
    at: number
    rules_version: string | number | null
  }>()
  return results.map((row) => ({
    seq: row.seq,
    profile: row.profile,
    tag: row.tag,
    from: row.from_value === null ? null : JSON.parse(row.from_value),
    to: row.to_value === null ? null : JSON.parse(row.to_value),
    at: new Date(row.at).toISOString(),
    rulesVersion: row.rules_version === null ? null : String(row.rules_version),
  }))
}
