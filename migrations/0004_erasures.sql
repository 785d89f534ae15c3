-- Tombstones of erased profiles (DELETE /v1/profiles/:id, export/erasures.ts). A row is written
-- before the profile's data is erased, so a retried DELETE still announces every id of the person
-- (`person` groups them; `notice` is the id of its profile.deleted message, the same on every
-- retry), and the export consumer drops any tag change of the profile dated at or before
-- `erased_at` (ms epoch): late or retried changes never reach the index, the change log or a
-- destination after the erasure. `announced_at` is set once the notices were queued; rows are
-- trimmed 14 days after it (the queue's longest retention: no older message can still arrive).
CREATE TABLE erasures (
  profile TEXT PRIMARY KEY,
  person TEXT NOT NULL,
  notice TEXT NOT NULL,
  erased_at INTEGER NOT NULL,
  announced_at INTEGER
) WITHOUT ROWID;
CREATE INDEX erasures_by_person ON erasures (person);
CREATE INDEX erasures_by_announcement ON erasures (announced_at);
