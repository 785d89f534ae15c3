import { ERASURES_KEPT_MS } from './erasures.ts'
import type { ProfileMerge } from './message.ts'

/**
 * Tombstones of profiles merged into another: D1 `merges` (migrations/0010_merges.sql). A merged
 * profile is only a forward from then on, so the consumer forgets its index and change-log rows
 * dated up to its merge, and drops any change of it dated up to then that the queue delivers
 * later (`tombstones.ts`), as it does for an erased profile.
 */

/**
 * How long a merge tombstone is kept after the merge: the queue's longest message retention, as
 * for erasures, so no change from before the merge can arrive after it is gone.
 */
export const MERGES_KEPT_MS = ERASURES_KEPT_MS

/**
 * The statements recording a `profile.merged` notice's tombstone (a redelivered or older notice
 * keeps the latest time) and trimming the tombstones past {@link MERGES_KEPT_MS}.
 */
export const recordMerge = (db: D1Database, merge: ProfileMerge): D1PreparedStatement[] => [
  db
    .prepare(
      `INSERT INTO merges (profile, merged_at) VALUES (?1, ?2)
       ON CONFLICT (profile) DO UPDATE SET merged_at = max(merges.merged_at, excluded.merged_at)`,
    )
    .bind(merge.profile, merge.at),
  db.prepare(`DELETE FROM merges WHERE merged_at < ?`).bind(merge.at - MERGES_KEPT_MS),
]
