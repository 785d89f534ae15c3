-- The tag index keeps one secondary index, (tag, num, value), instead of two: every index written
-- is a row written (D1 bills it), and each change of a tag's value rewrote both. A value that is
-- not a number has `num` NULL, so a lookup of a label, a flag or another JSON text is a seek on
-- (tag, num IS NULL, value) in the remaining index; the audience queries say `num IS NULL` for
-- those (collector/audience/leaf.ts), and ran unchanged before this migration.
DROP INDEX IF EXISTS tag_index_by_value;
