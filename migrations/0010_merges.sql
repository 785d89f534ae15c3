-- Tombstones of profiles merged into another (identity merge, collector/export/merges.ts). A merged
-- profile keeps only a forward; its `profile.merged` notice, queued from its outbox when the merge
-- commits, makes the export consumer forget the profile's tag index and change-log rows dated at or
-- before `merged_at` (ms epoch) and record this row, so that a change of the profile dated up to
-- then that the queue delivers later (retried, or in a later batch) is dropped: it never puts the
-- profile back into the index, the log or a destination. Rows are trimmed 14 days after
-- `merged_at` (the queue's longest retention: no older message can still arrive).
CREATE TABLE merges (
  profile TEXT PRIMARY KEY,
  merged_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX merges_by_time ON merges (merged_at);
