import type { ProfileAlarm } from '../profile/profile-alarm.ts'
import { fitForQueue } from './fit-for-queue.ts'
import type { ExportMessage, QueueMessage } from './message.ts'
import { packCommits } from './pack-commits.ts'
import { QUEUE_SEND_MESSAGES, queueBytes } from './queue-limits.ts'
import { queueSends } from './queue-sends.ts'

/** How soon an outbox the queue refused is tried again, in ms. */
const OUTBOX_RETRY_MS = 30_000

/**
 * Most characters of JSON one outbox row holds: a commit's messages share rows up to this (a row
 * of SQLite holds at most 2 MB, and a character at most 3 bytes of UTF-8); a larger message takes
 * a row of its own.
 */
const OUTBOX_ROW_CHARS = 500_000

/** A row of the outbox: messages of one commit, in order. */
export interface OutboxRow {
  seq: number
  messages: ExportMessage[]
}

/**
 * A profile's transactional outbox (table `outbox` of its SQLite storage): export messages are
 * written in the same storage transaction as the tag changes they describe, so a change is never
 * committed without its message nor sent without being committed. `ProfileDO` drains it to the
 * export queue after the commit and deletes what the queue accepted.
 *
 * A commit's messages are one row (a JSON array): each row costs a row written to insert and one
 * to delete (and one for its `AUTOINCREMENT` sequence in tables created before: schema.ts), so a
 * row per message cost a commit that changed several tags several times as much. Rows written
 * before hold one message (a JSON object) and drain the same way.
 */
export class Outbox {
  /** The drain under way, if any: one at a time, so no message is sent twice by this object. */
  private draining: Promise<void> | undefined
  /**
   * True when a drain found the outbox empty and nothing was added since: the drain after a
   * commit that changed no tag (most of them) then reads nothing. The object is the only writer
   * of its storage, and a rolled-back `add` only leaves this false (a read too many).
   */
  private empty = false

  constructor(private readonly sql: SqlStorage) {}

  /** Adds a commit's messages, in order (inside the commit's transaction). */
  add(messages: readonly ExportMessage[]): void {
    this.empty = false
    let row: string[] = []
    let chars = 0
    const insert = () => {
      if (row.length) this.sql.exec(`INSERT INTO outbox (body) VALUES (?)`, `[${row.join(',')}]`)
      row = []
      chars = 0
    }
    for (const message of messages) {
      const text = JSON.stringify(message)
      if (chars + text.length > OUTBOX_ROW_CHARS) insert()
      row.push(text)
      chars += text.length + 1
    }
    insert()
  }

  /** The oldest rows, as many as hold `messages` messages (whole rows; all of them if fewer). */
  pending(messages: number): OutboxRow[] {
    const rows: OutboxRow[] = []
    if (this.empty) return rows
    let count = 0
    for (const { seq, body } of this.sql.exec<{ seq: number; body: string }>(
      `SELECT seq, body FROM outbox ORDER BY seq`,
    )) {
      const parsed = JSON.parse(body) as ExportMessage | ExportMessage[]
      // A row written before rows held a commit: one message.
      const row = { seq, messages: Array.isArray(parsed) ? parsed : [parsed] }
      rows.push(row)
      count += row.messages.length
      if (count >= messages) break
    }
    this.empty = rows.length === 0
    return rows
  }

  /**
   * Deletes the rows before `row` and the first `sent` messages of `row` (they were sent): the
   * row itself once none of its messages is left, else it keeps the rest.
   */
  remove(row: OutboxRow, sent: number): void {
    if (sent >= row.messages.length) {
      this.sql.exec(`DELETE FROM outbox WHERE seq <= ?`, row.seq)
      return
    }
    this.sql.exec(`DELETE FROM outbox WHERE seq < ?`, row.seq)
    this.sql.exec(
      `UPDATE outbox SET body = ? WHERE seq = ?`,
      JSON.stringify(row.messages.slice(sent)),
      row.seq,
    )
  }

  /**
   * Sends the outbox to `queue`, oldest first, and deletes what the queue accepted. Runs after
   * commits (never inside a transaction). Each `sendBatch` is sized by bytes within the Queue
   * limits (`queue-sends.ts`); a change too large for one message goes out with its values cut,
   * or is skipped and logged (`fitForQueue`), so no message can block the outbox. When the queue
   * refuses, the messages stay and the object's alarm comes back within `OUTBOX_RETRY_MS` to try
   * again, whatever else it waits for.
   */
  drain(queue: Queue<QueueMessage>, alarm: ProfileAlarm, { reread = false } = {}): Promise<void> {
    // The alarm, the retry of a refused drain, reads the table whatever a drain found before.
    if (reread) this.empty = false
    // Cleared by `finally`, which always runs after this assignment: cleared inside the send, a
    // send that found nothing to do (and so never awaited) would finish before it was recorded
    // here and stay recorded, settled, so that no later drain sent anything.
    this.draining ??= this.send(queue, alarm).finally(() => {
      this.draining = undefined
    })
    return this.draining
  }

  /** One drain: the sends, and the retry alarm when the queue refuses. */
  private async send(queue: Queue<QueueMessage>, alarm: ProfileAlarm): Promise<void> {
    try {
      for (let rows = this.pending(QUEUE_SEND_MESSAGES); rows.length;) {
        const waiting = rows.flatMap((row) =>
          row.messages.map((message, index) => ({ row, index, message })),
        )
        const sendable = waiting.flatMap((entry) => {
          const fitted = fitForQueue(entry.message)
          return fitted ? [{ ...entry, commit: entry.row, message: fitted }] : []
        })
        // A commit's changes travel in one queue message (as many as fit one).
        const packed = packCommits(sendable)
        // The first send's worth of the oldest messages; skipped ones before its end go with it.
        const [first] = queueSends(packed.map(({ body }) => queueBytes(body)))
        const sentMessages = first ? packed.slice(first.start, first.end) : []
        if (sentMessages.length)
          await queue.sendBatch(sentMessages.map(({ body }) => ({ body, contentType: 'json' })))
        const sent = sentMessages.flatMap(({ entries }) => entries)
        const last = sent.length === sendable.length ? waiting.at(-1)! : sent.at(-1)!
        this.remove(last.row, last.index + 1)
        rows = this.pending(QUEUE_SEND_MESSAGES)
      }
    } catch (error) {
      console.warn('tagwise: the export queue refused tag changes; retrying by alarm:', error)
      await alarm.setBy(Date.now() + OUTBOX_RETRY_MS)
    }
  }
}
