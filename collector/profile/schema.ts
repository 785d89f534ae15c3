/**
 * The tables of a profile's Durable Object (SQLite). Created on first use and after an erase;
 * `IF NOT EXISTS` keeps it idempotent, so it also runs on every cold start.
 *
 * Tables keyed by text are `WITHOUT ROWID`: their rows live in the key's b-tree, so a row inserted
 * is one row written, where a rowid table writes its row and its key's index row (Cloudflare bills
 * both). Tables created before keep their rowid form, which answers the same queries: rewriting a
 * profile's events would cost more rows written than it saves (docs/cost.md). `traits` stays a
 * rowid table so that a profile's traits keep their order (the order they were set in).
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
 * - `events`: recent events by `messageId` (the primary key deduplicates retries), kept for the
 *   retention period by receive time (no index on it: see `EventStore.pruneAfterBatch`); `seq` is
 *   the order they were stored in (numbered by `EventStore`; the rowid in tables created before).
 * - `state`: the engine's snapshot and the rules version it was built with.
 * - `tag_history`: every change `(tag, from, to, at)`, the latest 1,000 and each tag's latest
 *   change, which is its current value (`TagStore`). Profiles created before also keep the current
 *   values in a table `tags` (`tag`, `value` JSON, `since`), one row written per change more.
 * - `traits`: merged identify traits (JSON values).
 * - `aliases`: ids merged into this profile; a merge already recorded here is not applied twice.
 * - `outbox`: export messages (tag changes) committed with the changes, until the queue took them:
 *   a row per commit, its messages as a JSON array (rows written before hold one message).
 * - `merging`: events of a profile being merged into this one (`source`), moved here page by page
 *   before the merge takes them into `events` in one transaction (see `merge.ts`).
 */
export const PROFILE_SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events (
  message_id TEXT PRIMARY KEY,
  seq INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  body TEXT NOT NULL
) WITHOUT ROWID;
-- Reads by time (the admin view's latest events, rebuilds and merges) and by receive time (the
-- retention prune, hourly; the count bound, once a profile holds 10,000; a rules preview) are rare
-- and read at most 10,000 rows: an index on ts or on received_at cost every stored event a row
-- written, as much as storing the event itself. Profiles created with one lose it here.
DROP INDEX IF EXISTS events_by_time;
DROP INDEX IF EXISTS events_by_receipt;
CREATE TABLE IF NOT EXISTS state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  rules_version TEXT NOT NULL,
  snapshot TEXT NOT NULL
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
