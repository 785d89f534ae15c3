/**
 * The profile directory: D1 `profiles (id, first_seen, last_seen)` (migrations/0001_init.sql), the
 * list of known profiles that a rules backfill pages through and totals count.
 *
 * A profile lists itself on its first commit and refreshes `last_seen` at most once per
 * {@link LISTING_REFRESH_MS} (see `ProfileListing`), so the directory costs ingest nothing in the
 * common case. `last_seen` is therefore accurate to an hour.
 */

/** How often an active profile refreshes its `last_seen`, in ms. */
export const LISTING_REFRESH_MS = 3_600_000

/** Lists `id` (seen at `at`, epoch ms), or widens its first/last seen times. Idempotent. */
export async function listProfile(db: D1Database, id: string, at: number): Promise<void> {
  await db
    .prepare(
      `INSERT INTO profiles (id, first_seen, last_seen) VALUES (?1, ?2, ?2)
       ON CONFLICT (id) DO UPDATE SET first_seen = min(first_seen, excluded.first_seen),
         last_seen = max(last_seen, excluded.last_seen)`,
    )
    .bind(id, at)
    .run()
}

/** The statement removing ids from the directory: one for any number of ids. */
export const unlistStatement = (db: D1Database, ids: readonly string[]): D1PreparedStatement =>
  db
    .prepare(`DELETE FROM profiles WHERE id IN (SELECT value FROM json_each(?))`)
    .bind(JSON.stringify(ids))

/** Removes ids from the directory (erased profiles, profiles merged into another). */
export async function unlistProfiles(db: D1Database, ids: readonly string[]): Promise<void> {
  if (!ids.length) return
  await unlistStatement(db, ids).run()
}

/** Up to `limit` profile ids after `after`, in id order (a stable cursor while rows come and go). */
export async function profilesAfter(
  db: D1Database,
  after: string,
  limit: number,
): Promise<string[]> {
  const { results } = await db
    .prepare(`SELECT id FROM profiles WHERE id > ? ORDER BY id LIMIT ?`)
    .bind(after, limit)
    .all<{ id: string }>()
  return results.map((row) => row.id)
}

/** How many profiles the directory lists after `after` ('' counts them all). */
export async function countProfilesAfter(db: D1Database, after = ''): Promise<number> {
  const row = await db
    .prepare(`SELECT count(*) AS n FROM profiles WHERE id > ?`)
    .bind(after)
    .first<{ n: number }>()
  return row?.n ?? 0
}
