import { jsonListGroups } from '../d1-json-lists.ts'

/**
 * Tombstones of erased profiles: D1 `erasures` (migrations/0004_erasures.sql). They make an
 * erasure complete and repeatable: the ids to announce are recorded before any data is erased
 * (a retried `DELETE` finds every id of the person again, with the same notice ids), and the export
 * consumer drops the changes of an erased profile dated at or before its erasure.
 */

/**
 * How long a tombstone is kept after its notices were queued: the queue's longest message
 * retention (14 days), so no message from before the erasure can arrive after it is gone.
 */
export const ERASURES_KEPT_MS = 14 * 86_400_000

/** An erased id and the id of its `profile.deleted` notice. */
export interface ErasedId {
  profile: string
  notice: string
}

/**
 * Records `ids` as erased at `at` under `person` (the profile the erasure resolved to), before
 * their data is erased, and returns every id of the person: those and any recorded by an earlier
 * attempt at erasing one of them (a retry after a failure, when the ids merged into the person are
 * no longer known anywhere else), each with its notice id (kept from the first attempt).
 */
export async function recordErasure(
  db: D1Database,
  person: string,
  ids: readonly string[],
  at: number,
): Promise<ErasedId[]> {
  const rows = ids.map((profile) => ({ p: profile, n: crypto.randomUUID() }))
  // The ids and their rows as JSON lists within D1's string size (a person may have any number).
  const results = await db.batch<ErasedId>([
    ...jsonListGroups(ids).map((group) =>
      db
        .prepare(
          `UPDATE erasures SET person = ?1, announced_at = NULL WHERE person IN
             (SELECT person FROM erasures WHERE profile IN (SELECT value FROM json_each(?2)))`,
        )
        .bind(person, JSON.stringify(group)),
    ),
    ...jsonListGroups(rows).map((group) =>
      db
        .prepare(
          `INSERT INTO erasures (profile, person, notice, erased_at)
           SELECT json_extract(value, '$.p'), ?1, json_extract(value, '$.n'), ?2 FROM json_each(?3)
           WHERE true
           ON CONFLICT (profile) DO UPDATE SET person = excluded.person,
             erased_at = max(erasures.erased_at, excluded.erased_at), announced_at = NULL`,
        )
        .bind(person, at, JSON.stringify(group)),
    ),
    db.prepare(`DELETE FROM erasures WHERE announced_at < ?`).bind(at - ERASURES_KEPT_MS),
    db
      .prepare(`SELECT profile, notice FROM erasures WHERE person = ? ORDER BY profile`)
      .bind(person),
  ])
  return results.at(-1)!.results
}

/**
 * The statement that moves `person`'s erasure time to `at`, once its data is gone: changes
 * committed until then are dropped by the consumer.
 */
export const markErased = (db: D1Database, person: string, at: number): D1PreparedStatement =>
  db.prepare(`UPDATE erasures SET erased_at = max(erased_at, ?) WHERE person = ?`).bind(at, person)

/** Records that `person`'s notices were queued (its tombstones may be trimmed from now on). */
export async function markAnnounced(db: D1Database, person: string, at: number): Promise<void> {
  await db.prepare(`UPDATE erasures SET announced_at = ? WHERE person = ?`).bind(at, person).run()
}

/**
 * The statement recording a `profile.deleted` notice the consumer received as a tombstone (a
 * notice queued by a profile itself has no row yet), unless a later erasure is recorded.
 */
export const recordNotice = (
  db: D1Database,
  deletion: { id: string; profile: string; at: number },
): D1PreparedStatement =>
  db
    .prepare(
      `INSERT INTO erasures (profile, person, notice, erased_at, announced_at) VALUES (?1, ?1, ?2, ?3, ?3)
       ON CONFLICT (profile) DO UPDATE SET erased_at = max(erasures.erased_at, excluded.erased_at)`,
    )
    .bind(deletion.profile, deletion.id, deletion.at)
