-- Audience queries test a tag's value and num together (a flag's rows, a score range): with both in
-- the (tag, num) index, scanning a tag never visits the table. Replaces 0001's tag_index_by_num.
DROP INDEX tag_index_by_num;
CREATE INDEX tag_index_by_num ON tag_index (tag, num, value);
