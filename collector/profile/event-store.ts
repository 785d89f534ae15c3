import type { Json } from '../../rules/index.ts'
import { EVENT_RETENTION_MS, MAX_STORED_EVENTS } from '../limits.ts'

/** A stored event with its columns, as moved by an identity merge. */
export interface StoredEvent {
  messageId: string
  ts: number
  receivedAt: number
  event: Json
}

/** An event to store. */
export interface NewEvent {
  messageId: string
  ts: number
  receivedAt: number
  event: unknown
}

/**
 * A profile's `events` table (synchronous SQL, inside the caller's transaction): the truth the
 * engine state is counted from, deduplicated by `messageId` and bounded by retention and count.
 */
export class EventStore {
  /** When events past retention were last dropped (`pruneAfterBatch`), while the object lives. */
  private expiredAt: number | undefined

  constructor(private readonly sql: SqlStorage) {}

  /** How many events are stored. */
  count(): number {
    return this.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM events`).one().n
  }

  /** Which of `messageIds` are stored already (one query for a whole batch). */
  knownIds(messageIds: readonly string[]): Set<string> {
    const known = new Set<string>()
    for (const ids of chunks(messageIds, MAX_BOUND))
      for (const row of this.sql.exec<{ message_id: string }>(
        `SELECT message_id FROM events WHERE message_id IN (${ids.map(() => '?').join(',')})`,
        ...ids,
      ))
        known.add(row.message_id)
    return known
  }

  /**
   * Stores the events whose ids are not stored yet and returns those ids: one statement per 25
   * events finds the duplicates and stores the rest.
   */
  insertNew(events: readonly NewEvent[]): Set<string> {
    const inserted = new Set<string>()
    for (const rows of chunks(events, MAX_BOUND / 4))
      for (const row of this.sql.exec<{ message_id: string }>(
        `INSERT OR IGNORE INTO events (message_id, ts, received_at, body)
         VALUES ${rows.map(() => '(?, ?, ?, ?)').join(', ')} RETURNING message_id`,
        ...rows.flatMap((row) => [
          row.messageId,
          row.ts,
          row.receivedAt,
          JSON.stringify(row.event),
        ]),
      ))
        inserted.add(row.message_id)
    return inserted
  }

  remove(messageIds: readonly string[]): void {
    for (const ids of chunks(messageIds, MAX_BOUND))
      this.sql.exec(
        `DELETE FROM events WHERE message_id IN (${ids.map(() => '?').join(',')})`,
        ...ids,
      )
  }

  /** Stores new events (their ids are not stored yet), a few statements for a whole batch. */
  add(events: readonly NewEvent[]): void {
    for (const rows of chunks(events, MAX_BOUND / 4))
      this.sql.exec(
        `INSERT INTO events (message_id, ts, received_at, body) VALUES ${rows.map(() => '(?, ?, ?, ?)').join(', ')}`,
        ...rows.flatMap((row) => [
          row.messageId,
          row.ts,
          row.receivedAt,
          JSON.stringify(row.event),
        ]),
      )
  }

  /**
   * Drops events past the retention period, then the oldest beyond the per-profile maximum
   * (a rebuild, a merge: exact). Returns whether it deleted any.
   */
  prune(now: number): boolean {
    const expired = this.expire(now)
    return this.bound() || expired
  }

  /**
   * `prune` after a batch: the per-profile maximum holds after every batch, but events past the
   * retention period are dropped at most once per `EXPIRY_INTERVAL_MS` while the object lives
   * (an object that starts again drops them on its first batch). Without an index on the receive
   * time, finding them reads every stored event, and that index cost every stored event a row
   * written; an event kept up to an hour past its 90 days changes nothing a rebuild counts (it
   * prunes exactly). Returns whether it deleted any.
   */
  pruneAfterBatch(now: number): boolean {
    const due = this.expiredAt === undefined || now >= this.expiredAt + EXPIRY_INTERVAL_MS
    const expired = due && this.expire(now)
    return this.bound() || expired
  }

  /**
   * Forgets when events were last expired (the transaction that expired them rolled back, or the
   * storage was erased): the next `pruneAfterBatch` expires them again.
   */
  forget(): void {
    this.expiredAt = undefined
  }

  /** Drops the events received before the retention period (reads every stored event). */
  private expire(now: number): boolean {
    this.expiredAt = now
    return written(
      this.sql.exec(`DELETE FROM events WHERE received_at < ?`, now - EVENT_RETENTION_MS),
    )
  }

  /** Drops the oldest events by receive time beyond `MAX_STORED_EVENTS`. */
  private bound(): boolean {
    // The span of rowids, which only grow, bounds the count from the table's ends alone (one
    // min/max per subquery, else SQLite scans): only a span over the maximum sorts the events.
    const { span } = this.sql
      .exec<{ span: number | null }>(
        `SELECT (SELECT max(rowid) FROM events) - (SELECT min(rowid) FROM events) + 1 AS span`,
      )
      .one()
    if (span === null || span <= MAX_STORED_EVENTS) return false
    return written(
      this.sql.exec(
        `DELETE FROM events WHERE rowid IN (
          SELECT rowid FROM events ORDER BY received_at DESC, rowid DESC LIMIT -1 OFFSET ?)`,
        MAX_STORED_EVENTS,
      ),
    )
  }

  /**
   * A page of events stored after rowid `after`, in the order they were stored: at most `maxEvents`,
   * and no more than `maxBytes` of bodies beyond the first event. `next` is where the next page
   * starts, `null` after the last.
   */
  page(
    after: number,
    maxEvents: number,
    maxBytes: number,
  ): { events: StoredEvent[]; next: number | null } {
    const events: StoredEvent[] = []
    let bytes = 0
    let last = after
    for (const row of this.sql.exec<{
      id: number
      message_id: string
      ts: number
      received_at: number
      body: string
    }>(
      `SELECT rowid AS id, message_id, ts, received_at, body FROM events WHERE rowid > ?
       ORDER BY rowid LIMIT ?`,
      after,
      maxEvents,
    )) {
      if (events.length && bytes + row.body.length > maxBytes) return { events, next: last }
      bytes += row.body.length
      last = row.id
      events.push({
        messageId: row.message_id,
        ts: row.ts,
        receivedAt: row.received_at,
        event: JSON.parse(row.body) as Json,
      })
    }
    return { events, next: events.length === maxEvents ? last : null }
  }

  /** The latest `limit` events by timestamp, newest first. */
  latest(limit: number): Json[] {
    return this.sql
      .exec<{ body: string }>(`SELECT body FROM events ORDER BY ts DESC, rowid DESC LIMIT ?`, limit)
      .toArray()
      .map((row) => JSON.parse(row.body) as Json)
  }

  /** Every stored event in timestamp order (to rebuild a state). */
  *byTime(): Generator<unknown> {
    for (const row of this.sql.exec<{ body: string }>(`SELECT body FROM events ORDER BY ts, rowid`))
      yield JSON.parse(row.body)
  }

  /**
   * The events `prune(now)` would keep, in timestamp order, deleting nothing: those received
   * within the retention period, at most the newest `MAX_STORED_EVENTS` by receive time (the
   * expired ones sort after every kept one, so cutting the newest of all first is the same cut).
   * A rules preview counts these, as a rebuild counts the pruned table.
   */
  *retainedByTime(now: number): Generator<unknown> {
    for (const row of this.sql.exec<{ body: string }>(
      `SELECT body FROM events WHERE received_at >= ? AND rowid IN (
         SELECT rowid FROM events ORDER BY received_at DESC, rowid DESC LIMIT ?)
       ORDER BY ts, rowid`,
      now - EVENT_RETENTION_MS,
      MAX_STORED_EVENTS,
    ))
      yield JSON.parse(row.body)
  }

  /** The events stored after rowid `upTo`, in the order they were stored. */
  *after(upTo: number): Generator<unknown> {
    if (upTo === Infinity) return
    for (const row of this.sql.exec<{ body: string }>(
      `SELECT body FROM events WHERE rowid > ? ORDER BY rowid`,
      upTo,
    ))
      yield JSON.parse(row.body)
  }
}

/** How often a profile that takes batches drops its events past retention, in ms. */
export const EXPIRY_INTERVAL_MS = 3_600_000

/** Most values bound to one statement (Durable Object SQL allows 100). */
const MAX_BOUND = 100

/** Whether a statement wrote any row (run to its end first). */
function written(cursor: SqlStorageCursor<Record<string, SqlStorageValue>>): boolean {
  cursor.toArray()
  return cursor.rowsWritten > 0
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}
