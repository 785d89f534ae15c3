-- Tag health (issue 20): the tags whose expression throws for a profile (the tag is then absent
-- for it), with the error's message; written by the profile when its set of such tags changes.
CREATE TABLE IF NOT EXISTS tag_errors (
  profile TEXT NOT NULL,
  tag TEXT NOT NULL,
  error TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (profile, tag)
);
