import type { ExportMessage } from './message.ts'

/** Messages per `sendBatch` (the queue takes at most 100 per call). */
const OUTBOX_PAGE = 100
/** How soon an outbox the queue refused is tried again, in ms. */
const OUTBOX_RETRY_MS = 30_000

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
  /** The drain under way, if any: one at a time, so no message is sent twice by this object. */
  private draining: Promise<void> | undefined

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

  /**
   * Sends the outbox to `queue`, oldest first, and deletes what the queue accepted. Runs after
   * commits (never inside a transaction). When the queue refuses, the messages stay and the
   * object's alarm comes back within `OUTBOX_RETRY_MS` to try again, whatever else it waits for.
   */
  drain(queue: Queue<ExportMessage>, storage: DurableObjectStorage): Promise<void> {
    this.draining ??= (async () => {
      try {
        for (let rows = this.pending(OUTBOX_PAGE); rows.length;) {
          await queue.sendBatch(rows.map(({ message }) => ({ body: message })))
          this.remove(rows[rows.length - 1]!.seq)
          rows = this.pending(OUTBOX_PAGE)
        }
      } catch (error) {
        console.warn('tagwise: the export queue refused tag changes; retrying by alarm:', error)
        const retryAt = Date.now() + OUTBOX_RETRY_MS
        const alarm = await storage.getAlarm()
        if (alarm === null || alarm > retryAt) await storage.setAlarm(retryAt)
      } finally {
        this.draining = undefined
      }
    })()
    return this.draining
  }
}
