-- The change log without AUTOINCREMENT (docs/cost.md, "The change log without AUTOINCREMENT"): it
-- wrote the table's row of sqlite_sequence with every change logged, a D1 row written each time.
-- seq is the change feed's cursor (GET /v1/changes?after=) and must never be given twice. Without
-- AUTOINCREMENT a new row takes the largest seq plus one, so the largest row is never deleted:
-- forgetting the profile that holds it turns it into a placeholder (profile '', no personal data;
-- collector/export/tag-index.ts), which the feed skips. The trim deletes the oldest rows only.
-- Deploy the code before applying this migration (the code works on either table; the code before
-- it would delete the largest row and show placeholders in the feed).
CREATE TABLE tag_changes_next (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL,
  profile TEXT NOT NULL,
  tag TEXT NOT NULL,
  from_value TEXT,
  to_value TEXT,
  at INTEGER NOT NULL,
  rules_version INTEGER
);
-- The sequence first: a placeholder at the last seq given (past the rows when the latest were
-- erased), replaced by the log's row of that seq if it has one.
INSERT INTO tag_changes_next (seq, id, profile, tag, at)
  SELECT seq, CAST(seq AS TEXT), '', '', 0 FROM sqlite_sequence WHERE name = 'tag_changes';
INSERT OR REPLACE INTO tag_changes_next (seq, id, profile, tag, from_value, to_value, at, rules_version)
  SELECT seq, id, profile, tag, from_value, to_value, at, rules_version FROM tag_changes;
DROP TABLE tag_changes;
ALTER TABLE tag_changes_next RENAME TO tag_changes;
CREATE UNIQUE INDEX tag_changes_by_change ON tag_changes (profile, tag, at, id);
