-- The change log with one index where it had two (docs/cost.md, "Measured after the second cuts"):
-- the UNIQUE id (an index of its own) and (profile, seq) become one UNIQUE (profile, tag, at, id)
-- index. It answers what the export consumer asks (a later change of the same profile and tag; a
-- profile's changes, erased or merged away) and deduplicates a redelivered change as the id did
-- (a change's id comes with its profile, tag and time). Logging a change wrote four rows (the row,
-- its AUTOINCREMENT sequence, two index rows); now three. seq is kept, and so is the sequence past
-- it: seq is the change feed's cursor (GET /v1/changes?after=), never to be given again.
CREATE TABLE tag_changes_next (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL,
  profile TEXT NOT NULL,
  tag TEXT NOT NULL,
  from_value TEXT,
  to_value TEXT,
  at INTEGER NOT NULL,
  rules_version INTEGER
);
-- The sequence first: a placeholder row at the last seq given (past the rows when the latest were
-- erased) carries it over to the new table, then a row of the log with that seq replaces it, or
-- it is deleted.
INSERT INTO tag_changes_next (seq, id, profile, tag, at)
  SELECT seq, '', '', '', 0 FROM sqlite_sequence WHERE name = 'tag_changes';
INSERT OR REPLACE INTO tag_changes_next (seq, id, profile, tag, from_value, to_value, at, rules_version)
  SELECT seq, id, profile, tag, from_value, to_value, at, rules_version FROM tag_changes;
DELETE FROM tag_changes_next WHERE id = '' AND profile = '';
DROP TABLE tag_changes;
ALTER TABLE tag_changes_next RENAME TO tag_changes;
CREATE UNIQUE INDEX tag_changes_by_change ON tag_changes (profile, tag, at, id);
