-- The collector's D1 database (binding DB). Durable Objects hold each profile's truth; D1 holds what
-- must be queried across profiles: the tag index (audiences, catalog coverage), the recent tag-change
-- log (the dashboard's live feed) and the directory of known profiles (rules backfill, totals).

-- Present tags only: a change to null/absent deletes the row (the engine treats null/false as absent).
-- value is the JSON encoding of the tag value; num repeats it when it is a number so score thresholds
-- use an index. updated_at (ms epoch) orders competing writes: an older change never overwrites a newer one.
CREATE TABLE tag_index (
  profile TEXT NOT NULL,
  tag TEXT NOT NULL,
  value TEXT NOT NULL,
  num REAL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (profile, tag)
) WITHOUT ROWID;
CREATE INDEX tag_index_by_value ON tag_index (tag, value, profile);
CREATE INDEX tag_index_by_num ON tag_index (tag, num, profile);

-- Recent tag changes, oldest first by seq; id is the change's idempotency key (webhook-id), so a
-- redelivered queue message is recorded once.
CREATE TABLE tag_changes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  profile TEXT NOT NULL,
  tag TEXT NOT NULL,
  from_value TEXT,
  to_value TEXT,
  at INTEGER NOT NULL,
  rules_version INTEGER
);
CREATE INDEX tag_changes_by_profile ON tag_changes (profile, seq);

-- Every profile that ever stored an event (first_seen/last_seen: ms epoch).
CREATE TABLE profiles (
  id TEXT PRIMARY KEY,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL
) WITHOUT ROWID;
