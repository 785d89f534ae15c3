import { fitForQueue } from './fit-for-queue.ts'
import type { ExportMessage } from './message.ts'
import { QUEUE_SEND_MESSAGES, queueBytes } from './queue-limits.ts'
import { queueSends } from './queue-sends.ts'

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
   * commits (never inside a transaction). Each `sendBatch` is sized by bytes within the Queue
   * limits (`queue-sends.ts`); a change too large for one message goes out with its values cut,
   * or is skipped and logged (`fitForQueue`), so no message can block the outbox. When the queue
   * refuses, the messages stay and the object's alarm comes back within `OUTBOX_RETRY_MS` to try
   * again, whatever else it waits for.
   */
  drain(queue: Queue<ExportMessage>, storage: DurableObjectStorage): Promise<void> {
    // Cleared by `finally`, which always runs after this assignment: cleared inside the send, a
    // send that found nothing to do (and so never awaited) would finish before it was recorded
    // here and stay recorded, settled, so that no later drain sent anything.
    this.draining ??= this.send(queue, storage).finally(() => {
      this.draining = undefined
    })
    return this.draining
  }

  /** One drain: the sends, and the retry alarm when the queue refuses. */
  private async send(queue: Queue<ExportMessage>, storage: DurableObjectStorage): Promise<void> {
    try {
      for (let rows = this.pending(QUEUE_SEND_MESSAGES); rows.length;) {
        const sendable = rows.flatMap(({ seq, message }) => {
          const fitted = fitForQueue(message)
          return fitted ? [{ seq, body: fitted }] : []
        })
        // The first send's worth of the oldest rows; skipped rows before its end go with it.
        const [first] = queueSends(sendable.map(({ body }) => queueBytes(body)))
        const sent = first ? sendable.slice(first.start, first.end) : []
        if (sent.length)
          await queue.sendBatch(sent.map(({ body }) => ({ body, contentType: 'json' })))
        const last = sent.length === sendable.length ? rows.at(-1)! : sent.at(-1)!
        this.remove(last.seq)
        rows = this.pending(QUEUE_SEND_MESSAGES)
      }
    } catch (error) {
      console.warn('tagwise: the export queue refused tag changes; retrying by alarm:', error)
      const retryAt = Date.now() + OUTBOX_RETRY_MS
      const alarm = await storage.getAlarm()
      if (alarm === null || alarm > retryAt) await storage.setAlarm(retryAt)
    }
  }
}
