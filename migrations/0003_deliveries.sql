-- Which destination already received which change (export-consumer.ts): a message retried because
-- another destination failed is not delivered twice to one that succeeded. Rows older than the
-- queue's retry horizon are trimmed by the consumer.
CREATE TABLE deliveries (
  destination TEXT NOT NULL,
  change_id TEXT NOT NULL,
  delivered_at INTEGER NOT NULL,
  PRIMARY KEY (destination, change_id)
) WITHOUT ROWID;
CREATE INDEX deliveries_by_time ON deliveries (delivered_at);
