-- Coverage over time (issue 20): one row per tag and UTC day, written by the daily Cron Trigger
-- (collector/audience/coverage-history.ts) from the tag index, kept 400 days.
CREATE TABLE IF NOT EXISTS coverage_history (
  day TEXT NOT NULL,          -- YYYY-MM-DD (UTC)
  tag TEXT NOT NULL,
  profiles INTEGER NOT NULL,  -- profiles holding the tag that day
  coverage TEXT NOT NULL,     -- the catalog's coverage of the tag (JSON: values or buckets)
  PRIMARY KEY (tag, day)
);
