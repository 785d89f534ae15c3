import { exportProfile, forgetsProfileAt, type ExportMessage } from './message.ts'

/**
 * Tombstones: a profile erased (`erasures`, `profile.deleted`) or merged into another (`merges`,
 * `profile.merged`) is forgotten by the tag index and the change log up to a time, and a change
 * of it dated at or before that time must never bring it back, whatever order the queue delivers
 * in (retries reorder messages, and a profile's last changes may still be queued when it is
 * erased or merged). The consumer drops such changes before anything else, and every index and
 * log write checks the tombstones again in its own statement (`TOMBSTONED`), which sees one
 * recorded meanwhile or earlier in the same D1 batch.
 */

/**
 * SQL: true when a tombstone covers the change of profile `?1` at `?3` (the parameters of
 * `changeStatements`).
 */
export const TOMBSTONED = `(EXISTS (SELECT 1 FROM erasures WHERE profile = ?1 AND erased_at >= ?3)
  OR EXISTS (SELECT 1 FROM merges WHERE profile = ?1 AND merged_at >= ?3))`

/** The latest tombstone of each of `profiles` that has one (erased or merged), in one query. */
export async function recordedTombstones(
  db: D1Database,
  profiles: readonly string[],
): Promise<Map<string, number>> {
  if (!profiles.length) return new Map()
  const { results } = await db
    .prepare(
      `WITH asked AS (SELECT value AS profile FROM json_each(?1))
       SELECT profile, max(at) AS at FROM (
         SELECT profile, erased_at AS at FROM erasures WHERE profile IN asked
         UNION ALL
         SELECT profile, merged_at AS at FROM merges WHERE profile IN asked
       ) GROUP BY profile`,
    )
    .bind(JSON.stringify(profiles))
    .all<{ profile: string; at: number }>()
  return new Map(results.map((row) => [row.profile, row.at]))
}

/**
 * The positions of the tag changes in `messages` that a tombstone covers: one `recorded` in D1,
 * or an erasure or merge notice of the same profile anywhere in `messages` (queued by a profile
 * itself, it has no D1 row until this batch records it). A change the notice follows would be
 * indexed and then forgotten, one it precedes would be dropped by the statements: either way the
 * index and the log end without it, so it is dropped whatever its place, and no destination gets
 * a change of a profile it is told, in the same batch, to forget.
 */
export function tombstonedChanges(
  messages: readonly ExportMessage[],
  recorded: ReadonlyMap<string, number>,
): Set<number> {
  const forgotten = new Map(recorded)
  for (const message of messages) {
    const at = forgetsProfileAt(message)
    if (at === undefined) continue
    const profile = exportProfile(message)
    forgotten.set(profile, Math.max(at, forgotten.get(profile) ?? -Infinity))
  }
  const dropped = new Set<number>()
  messages.forEach((message, position) => {
    if (message.type !== 'tag.changed') return
    const { profile, at } = message.change
    if (at <= (forgotten.get(profile) ?? -Infinity)) dropped.add(position)
  })
  return dropped
}
