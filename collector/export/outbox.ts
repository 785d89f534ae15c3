import type { ExportMessage } from './message.ts'

/** A message waiting in the outbox, in commit order. */
export interface OutboxRow {
  seq: number
  message: ExportMessage
}

/**
 * A profile's transactional outbox (table `outbox` of its SQLite storage): export messages are
 * written in the same storage transaction as the tag changes they describe, so a change is never
 * committed without its message nor sent without being committed. `ProfileDO` drains it to the
 * export queue after the commit and deletes what the queue accepted.
 */
export class Outbox {
  constructor(private readonly sql: SqlStorage) {}

  add(messages: readonly ExportMessage[]): void {
    for (const message of messages)
      this.sql.exec(`INSERT INTO outbox (body) VALUES (?)`, JSON.stringify(message))
  }

  /** The oldest `limit` messages. */
  pending(limit: number): OutboxRow[] {
    return this.sql
      .exec<{ seq: number; body: string }>(
        `SELECT seq, body FROM outbox ORDER BY seq LIMIT ?`,
        limit,
      )
      .toArray()
      .map(({ seq, body }) => ({ seq, message: JSON.parse(body) as ExportMessage }))
  }

  /** Deletes the messages up to `seq` (they were sent). */
  remove(seq: number): void {
    this.sql.exec(`DELETE FROM outbox WHERE seq <= ?`, seq)
  }
}
