/**
 * The tables of a profile's Durable Object (SQLite). Created on first use and after an erase;
 * `IF NOT EXISTS` keeps it idempotent, so it also runs on every cold start.
 *
 * Tables keyed by text are `WITHOUT ROWID`: their rows live in the key's b-tree, so a row inserted
 * is one row written, where a rowid table writes its row and its key's index row (Cloudflare bills
 * both). Tables created before keep their rowid form, which answers the same queries (but
 * `events`, whose rows move into `event_batches`: see below). `traits` stays a rowid table so that a
 * profile's traits keep their order (the order they were set in).
 *
 * The ids of `tag_history` and `outbox` are rowids without `AUTOINCREMENT`, which wrote a row of
 * `sqlite_sequence` with every insert: a new row takes the largest id plus one, so ids only repeat
 * after the rows above them were deleted. Neither relies on more: the history is trimmed from its
 * oldest ids and read newest first, and no id leaves the object; the outbox is drained oldest first
 * by one drain at a time, which deletes only rows it read (below any row added while it sends).
 * Tables created before keep `AUTOINCREMENT`.
 *
 * - `meta`: the profile id (a Durable Object does not know the name it was addressed by) and, once
 *   the profile was merged into another (identity merge), `forward` (that profile's id), `forward_at`
 *   (the link's event time) and `forward_pending` (`1` until the target holds this profile's data).
 * - `event_batches`: recent events, one row per stored batch (a visit's later batches extend it
 *   while no checkpoint counts it: `EventStore`): `seq` numbers the
 *   batches in the order they were stored (the checkpoint's mark, a merge's pages); `keys` holds
 *   the events' `[messageId, receivedAt]` (read once while the object lives: exactly-once by
 *   `messageId` is checked in memory), before `chars` and `events`, the events' `[ts, receivedAt,
 *   event]` in the order stored, so that reading the keys leaves the bodies on disk. A stored
 *   event cost a row written (and its key's row in tables created before `WITHOUT ROWID`); a
 *   browser's batch of 2.7 events is now one. Kept for the retention period by receive time and
 *   at most 10,000 events: whole rows are deleted, a row partly past the cut rewritten. Profiles
 *   created before hold a table `events` (a row per event): the first cold start moves them into
 *   batch rows and drops it (`EventStore.convertRowPerEvent`).
 * - `state`: the engine's snapshot, the rules version it was built with and `up_to`, the checkpoint's
 *   mark (the last batch it counts; `NULL`: every stored event, a snapshot saved before
 *   checkpoints). Saving a checkpoint is one row written: the mark was a `meta` row of its own,
 *   which the first cold start of a profile created before moves here (`ProfileStore.migrate`).
 * - `tag_history`: every change `(tag, from, to, at)`, the latest 1,000 and each tag's latest
 *   change, which is its current value (`TagStore`). Profiles created before also keep the current
 *   values in a table `tags` (`tag`, `value` JSON, `since`), one row written per change more.
 * - `traits`: merged identify traits (JSON values).
 * - `aliases`: ids merged into this profile; a merge already recorded here is not applied twice.
 * - `outbox`: export messages (tag changes) committed with the changes, until the queue took them:
 *   a row per commit, its messages as a JSON array (rows written before hold one message).
 * - `merging`: events of a profile being merged into this one (`source`), moved here page by page
 *   before the merge takes them into `event_batches` in one transaction (see `merge.ts`).
 */
export const PROFILE_SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
-- The rowid (seq) is the key: a batch stored is one row written. No other index: reads by time
-- (the admin view, rebuilds, previews) sort the events in SQLite, and retention and the count
-- bound are decided from the keys held in memory.
CREATE TABLE IF NOT EXISTS event_batches (
  seq INTEGER PRIMARY KEY,
  keys TEXT NOT NULL,
  chars INTEGER NOT NULL,
  events TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  rules_version TEXT NOT NULL,
  snapshot TEXT NOT NULL,
  up_to INTEGER
);
CREATE TABLE IF NOT EXISTS tag_history (
  id INTEGER PRIMARY KEY,
  tag TEXT NOT NULL,
  from_value TEXT,
  to_value TEXT,
  at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS traits (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS aliases (id TEXT PRIMARY KEY, merged_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS merging (
  source TEXT NOT NULL,
  message_id TEXT NOT NULL,
  ts INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (source, message_id)
) WITHOUT ROWID;
`
