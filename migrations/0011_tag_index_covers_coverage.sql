-- The tag index's one secondary index also holds `updated_at`, so the catalog's coverage (one
-- GROUP BY over every row, collector/audience/coverage.ts) reads the index alone. Its latest change
-- per value came from the table: a lookup per indexed row, 1.9 s of the 2.3 s the statement took
-- over 1.2 M rows (100,000 profiles) in SQLite, 0.58 s with this index; D1 stops a query at 30 s,
-- which the catalog of a million profiles neared. A tag change writes the same rows as before (its
-- upsert sets value, num and updated_at together); the audience queries seek on the same prefix.
-- On a large existing index the CREATE takes a while: 1.8 s for 1.2 M rows in SQLite here.
DROP INDEX IF EXISTS tag_index_by_num;
CREATE INDEX tag_index_by_num ON tag_index (tag, num, value, updated_at);
