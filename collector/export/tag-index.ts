import { supersededChanges } from './superseded-changes.ts'
import type { ExportedChange } from './message.ts'
import { TOMBSTONED } from './tombstones.ts'

/** Rows of `tag_changes` kept for the live feed (`GET /v1/changes`); older ones are trimmed. */
export const CHANGES_KEPT = 10_000

/**
 * The statements applying one exported tag change to the D1 tag index and the change log
 * (migrations/0001_init.sql, 0007_tag_changes_one_index.sql, 0009). Idempotent and order-tolerant,
 * since the queue delivers at least once and may reorder retried messages:
 * - the log skips a change it holds already (`OR IGNORE`: its unique key is the id before
 *   migration 0007, `(profile, tag, at, id)` after it, so the statement runs on either);
 * - the index keeps present tags only; a change is applied unless the log holds a later change
 *   of the same profile and tag, and an upsert never overwrites a newer `updated_at`;
 * - a change of a profile erased or merged into another at or after its time (a tombstone in
 *   `erasures` or `merges`, `tombstones.ts`) is dropped, so no late or retried change re-creates
 *   rows of an erased or merged profile. The check is part of each statement, so a tombstone
 *   recorded meanwhile, or earlier in the same D1 batch, is seen.
 * With `index: false` only the log statement: a later change of the same tag in the same D1
 * batch decides the index row (`supersededChanges`).
 */
export function changeStatements(
  db: D1Database,
  c: ExportedChange,
  { index: toIndex }: { index: boolean } = { index: true },
): D1PreparedStatement[] {
  const newer = `SELECT 1 FROM tag_changes WHERE profile = ?1 AND tag = ?2 AND at > ?3`
  const index =
    c.to === null
      ? db
          .prepare(
            `DELETE FROM tag_index WHERE profile = ?1 AND tag = ?2 AND updated_at <= ?3 AND NOT EXISTS (${newer})`,
          )
          .bind(c.profile, c.tag, c.at)
      : db
          .prepare(
            `INSERT INTO tag_index (profile, tag, value, num, updated_at)
             SELECT ?1, ?2, ?4, ?5, ?3 WHERE NOT EXISTS (${newer}) AND NOT ${TOMBSTONED}
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
          )
  const log = db
    .prepare(
      `INSERT OR IGNORE INTO tag_changes (id, profile, tag, from_value, to_value, at, rules_version)
       SELECT ?4, ?1, ?2, ?5, ?6, ?3, ?7 WHERE NOT ${TOMBSTONED}`,
    )
    .bind(
      c.profile,
      c.tag,
      c.at,
      c.id,
      c.from === null ? null : JSON.stringify(c.from),
      c.to === null ? null : JSON.stringify(c.to),
      c.rulesVersion,
    )
  return toIndex ? [index, log] : [log]
}

/**
 * Turns the log's latest row into a placeholder if `condition` (on the row, with `params`) holds,
 * before the rows that meet it are deleted: a new change takes the largest `seq` plus one
 * (migrations/0009: no `AUTOINCREMENT`, which cost a row written per change), so the largest row
 * stays and no `seq` a feed client has read is given again. A placeholder holds no personal data
 * (profile `''`, an id of its own for the unique index); the feed skips it, the trim deletes it
 * once it is old. It writes nothing unless the latest change is one being forgotten.
 */
const keepSequence = (
  db: D1Database,
  condition: string,
  ...params: unknown[]
): D1PreparedStatement =>
  db
    .prepare(
      `UPDATE tag_changes SET id = CAST(seq AS TEXT), profile = '', tag = '', from_value = NULL,
         to_value = NULL, at = 0, rules_version = NULL
       WHERE seq = (SELECT max(seq) FROM tag_changes) AND ${condition}`,
    )
    .bind(...params)

/** Rows that are not a placeholder (see `keepSequence`): no profile id is empty. */
const NOT_PLACEHOLDER = `profile <> ''`

/** Trims the change log to its latest `CHANGES_KEPT` rows. */
export const trimChanges = (db: D1Database): D1PreparedStatement =>
  db
    .prepare(`DELETE FROM tag_changes WHERE seq <= (SELECT max(seq) FROM tag_changes) - ?`)
    .bind(CHANGES_KEPT)

/** Applies exported tag changes (`changeStatements`) in one D1 batch (one implicit transaction). */
export async function applyToIndex(
  db: D1Database,
  changes: readonly ExportedChange[],
): Promise<void> {
  if (!changes.length) return
  const superseded = supersededChanges(changes.map((change) => ({ type: 'tag.changed', change })))
  await db.batch([
    ...changes.flatMap((c, position) =>
      changeStatements(db, c, { index: !superseded.has(position) }),
    ),
    trimChanges(db),
  ])
}

/**
 * The statements forgetting a profile's index and change-log rows up to `at` (a `profile.deleted`
 * notice: rows of a later life of the same id, after the erasure, stay).
 */
export const forgetStatements = (
  db: D1Database,
  profile: string,
  at: number,
): D1PreparedStatement[] => [
  db.prepare(`DELETE FROM tag_index WHERE profile = ? AND updated_at <= ?`).bind(profile, at),
  keepSequence(db, `profile = ? AND at <= ?`, profile, at),
  db.prepare(`DELETE FROM tag_changes WHERE profile = ? AND at <= ?`).bind(profile, at),
]

/**
 * The statements forgetting profiles in the index and the change log (an erasure), three for
 * any number of profiles.
 */
export const removeStatements = (
  db: D1Database,
  profiles: readonly string[],
): D1PreparedStatement[] => {
  const ids = JSON.stringify(profiles)
  return [
    db.prepare(`DELETE FROM tag_index WHERE profile IN (SELECT value FROM json_each(?))`).bind(ids),
    keepSequence(db, `profile IN (SELECT value FROM json_each(?))`, ids),
    db
      .prepare(`DELETE FROM tag_changes WHERE profile IN (SELECT value FROM json_each(?))`)
      .bind(ids),
  ]
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
 * (still oldest first), for `GET /v1/changes`; `trimmed` when changes after `after` left the log
 * (it keeps the latest {@link CHANGES_KEPT}) before this read: a reader that fell behind learns
 * it missed some instead of skipping them unaware.
 */
export async function recentChanges(
  db: D1Database,
  after: number | undefined,
  limit: number,
): Promise<{ changes: FeedChange[]; trimmed: boolean }> {
  const query =
    after === undefined
      ? db
          .prepare(
            `SELECT *, 0 AS oldest FROM
               (SELECT * FROM tag_changes WHERE ${NOT_PLACEHOLDER} ORDER BY seq DESC LIMIT ?)
             ORDER BY seq`,
          )
          .bind(limit)
      : db
          .prepare(
            `SELECT *, (SELECT min(seq) FROM tag_changes) AS oldest FROM tag_changes
             WHERE seq > ? AND ${NOT_PLACEHOLDER} ORDER BY seq LIMIT ?`,
          )
          .bind(after, limit)
  const { results } = await query.all<{
    seq: number
    profile: string
    tag: string
    from_value: string | null
    to_value: string | null
    at: number
    rules_version: string | number | null
    oldest: number
  }>()
  // Seqs are given one after another: a cursor before the oldest kept lost the changes between
  // (trimmed, or erased with their profile). Read in the page's own statement (one snapshot);
  // an empty page means nothing after the cursor is kept, whatever left.
  const trimmed = after !== undefined && results.length > 0 && after < results[0]!.oldest - 1
  const changes = results.map((row) => ({
    seq: row.seq,
    profile: row.profile,
    tag: row.tag,
    from: row.from_value === null ? null : JSON.parse(row.from_value),
    to: row.to_value === null ? null : JSON.parse(row.to_value),
    at: new Date(row.at).toISOString(),
    rulesVersion: row.rules_version === null ? null : String(row.rules_version),
  }))
  return { changes, trimmed }
}
