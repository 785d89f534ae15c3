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
 * The column that orders a profile's events as they were stored: the checkpoint's mark, the pages
 * of a merge and the tie between equal timestamps. `seq` in tables created `WITHOUT ROWID` (one
 * b-tree keyed by `message_id`: a stored event is one row written), `rowid` in tables created
 * before (a rowid table and its `message_id` key: two rows written per event). A profile keeps the
 * table it was created with: rewriting its events would cost more rows than it saves
 * (docs/cost.md).
 */
type StorageOrder = 'seq' | 'rowid'

/**
 * A profile's `events` table (synchronous SQL, inside the caller's transaction): the truth the
 * engine state is counted from, deduplicated by `messageId` and bounded by retention and count.
 *
 * In a `WITHOUT ROWID` table the store numbers the events itself (`seq`, never reused while the
 * object lives): the object is the only writer of its storage, so the last number is read once
 * (`max(seq)`) and then counted in memory, as is the oldest for the count bound. `forget` drops
 * them when a transaction rolls back or the storage is erased.
 */
export class EventStore {
  /** When events past retention were last dropped (`pruneAfterBatch`), while the object lives. */
  private expiredAt: number | undefined
  private order: StorageOrder | undefined
  /** The last `seq` given (a `WITHOUT ROWID` table), once read. */
  private lastSeq: number | undefined
  /** The smallest stored `seq` (`null`: no event), once read; unknown again after a delete. */
  private oldestSeq: number | null | undefined

  constructor(private readonly sql: SqlStorage) {}

  /** Which column orders the events as stored (read once from the table's definition). */
  private storageOrder(): StorageOrder {
    if (this.order) return this.order
    const [table] = this.sql
      .exec<{ sql: string }>(
        `SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'events'`,
      )
      .toArray()
    // No table yet: the profile's first write creates it in the current form.
    if (!table) return 'seq'
    this.order = /\bWITHOUT\s+ROWID\b/i.test(table.sql) ? 'seq' : 'rowid'
    return this.order
  }

  /** The next `count` numbers for new events (a `WITHOUT ROWID` table): the first of them. */
  private takeSeqs(count: number): number {
    this.lastSeq ??= this.sql
      .exec<{ last: number }>(`SELECT coalesce(max(seq), 0) AS last FROM events`)
      .one().last
    const first = this.lastSeq + 1
    this.lastSeq += count
    // A table known empty holds its oldest event now: read again when the bound needs it.
    if (this.oldestSeq === null) this.oldestSeq = undefined
    return first
  }

  /** After a delete: the oldest stored event is read again when the count bound needs it. */
  private deleted(): void {
    this.oldestSeq = undefined
  }

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
   * Stores the events whose ids are not stored yet and returns those ids: one statement per 20
   * or 25 events finds the duplicates and stores the rest.
   */
  insertNew(events: readonly NewEvent[]): Set<string> {
    return new Set(this.insert('INSERT OR IGNORE', events))
  }

  remove(messageIds: readonly string[]): void {
    if (!messageIds.length) return
    for (const ids of chunks(messageIds, MAX_BOUND))
      this.sql.exec(
        `DELETE FROM events WHERE message_id IN (${ids.map(() => '?').join(',')})`,
        ...ids,
      )
    this.deleted()
  }

  /** Stores new events (their ids are not stored yet), a few statements for a whole batch. */
  add(events: readonly NewEvent[]): void {
    this.insert('INSERT', events)
  }

  /**
   * Inserts `events` in order, as many rows a statement as its bound values allow (numbered in a
   * `WITHOUT ROWID` table), and returns the ids of those it stored.
   */
  private insert(verb: 'INSERT' | 'INSERT OR IGNORE', events: readonly NewEvent[]): string[] {
    if (!events.length) return []
    const numbered = this.storageOrder() === 'seq'
    const columns = numbered ? 5 : 4
    let seq = numbered ? this.takeSeqs(events.length) : 0
    const stored: string[] = []
    for (const rows of chunks(events, Math.floor(MAX_BOUND / columns))) {
      const values = rows.flatMap((row) => {
        const fields = [row.messageId, row.ts, row.receivedAt, JSON.stringify(row.event)]
        return numbered ? [...fields, seq++] : fields
      })
      const placeholders = `(${Array.from({ length: columns }, () => '?').join(', ')})`
      for (const row of this.sql.exec<{ message_id: string }>(
        `${verb} INTO events (message_id, ts, received_at, body${numbered ? ', seq' : ''})
         VALUES ${rows.map(() => placeholders).join(', ')} RETURNING message_id`,
        ...values,
      ))
        stored.push(row.message_id)
    }
    return stored
  }

  /**
   * Stores the events staged for a merge from profile `source` in the table `merging`
   * (`MergeStaging`) that are not stored yet, in timestamp order (as they are numbered).
   */
  addStaged(source: string): void {
    if (this.storageOrder() === 'rowid') {
      this.sql.exec(
        `INSERT OR IGNORE INTO events (message_id, ts, received_at, body)
         SELECT message_id, ts, received_at, body FROM merging WHERE source = ?
         ORDER BY ts, message_id`,
        source,
      )
      return
    }
    const { staged } = this.sql
      .exec<{ staged: number }>(`SELECT count(*) AS staged FROM merging WHERE source = ?`, source)
      .one()
    if (!staged) return
    this.sql.exec(
      `INSERT OR IGNORE INTO events (message_id, seq, ts, received_at, body)
       SELECT message_id, ? + row_number() OVER (ORDER BY ts, message_id) - 1, ts, received_at, body
       FROM merging WHERE source = ?`,
      this.takeSeqs(staged),
      source,
    )
  }

  /** Drops every stored event (a merge moved them away). */
  clear(): void {
    this.sql.exec(`DELETE FROM events`)
    this.deleted()
  }

  /** The mark of the last event stored (0: none): events stored later come `after` it. */
  lastStored(): number {
    return this.sql
      .exec<{ last: number }>(`SELECT coalesce(max(${this.storageOrder()}), 0) AS last FROM events`)
      .one().last
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
    this.order = undefined
    this.lastSeq = undefined
    this.oldestSeq = undefined
  }

  /** Drops the events received before the retention period (reads every stored event). */
  private expire(now: number): boolean {
    this.expiredAt = now
    const expired = written(
      this.sql.exec(`DELETE FROM events WHERE received_at < ?`, now - EVENT_RETENTION_MS),
    )
    if (expired) this.deleted()
    return expired
  }

  /** Drops the oldest events by receive time beyond `MAX_STORED_EVENTS`. */
  private bound(): boolean {
    // The span of the storage order, which only grows, bounds the count from the table's ends
    // alone: only a span over the maximum sorts the events.
    const span = this.span()
    if (span === null || span <= MAX_STORED_EVENTS) return false
    const order = this.storageOrder()
    const bounded = written(
      this.sql.exec(
        `DELETE FROM events WHERE message_id IN (
          SELECT message_id FROM events ORDER BY received_at DESC, ${order} DESC LIMIT -1 OFFSET ?)`,
        MAX_STORED_EVENTS,
      ),
    )
    if (bounded) this.deleted()
    return bounded
  }

  /** The last stored event's place in the storage order less the first's, plus one (`null`: none). */
  private span(): number | null {
    // Rowids: one min/max per subquery reads the table's ends (else SQLite scans).
    if (this.storageOrder() === 'rowid')
      return this.sql
        .exec<{ span: number | null }>(
          `SELECT (SELECT max(rowid) FROM events) - (SELECT min(rowid) FROM events) + 1 AS span`,
        )
        .one().span
    // Seqs have no index: the last is counted in memory, the oldest read after each delete.
    this.oldestSeq ??= this.sql
      .exec<{ oldest: number | null }>(`SELECT min(seq) AS oldest FROM events`)
      .one().oldest
    if (this.oldestSeq === null) return null
    this.lastSeq ??= this.lastStored()
    return this.lastSeq - this.oldestSeq + 1
  }

  /**
   * A page of events stored after `after` (their place in the storage order), in the order they were stored: at most `maxEvents`,
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
    const order = this.storageOrder()
    for (const row of this.sql.exec<{
      id: number
      message_id: string
      ts: number
      received_at: number
      body: string
    }>(
      `SELECT ${order} AS id, message_id, ts, received_at, body FROM events WHERE ${order} > ?
       ORDER BY ${order} LIMIT ?`,
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
      .exec<{ body: string }>(
        `SELECT body FROM events ORDER BY ts DESC, ${this.storageOrder()} DESC LIMIT ?`,
        limit,
      )
      .toArray()
      .map((row) => JSON.parse(row.body) as Json)
  }

  /** Every stored event in timestamp order (to rebuild a state). */
  *byTime(): Generator<unknown> {
    for (const row of this.sql.exec<{ body: string }>(
      `SELECT body FROM events ORDER BY ts, ${this.storageOrder()}`,
    ))
      yield JSON.parse(row.body)
  }

  /**
   * The events `prune(now)` would keep, in timestamp order, deleting nothing: those received
   * within the retention period, at most the newest `MAX_STORED_EVENTS` by receive time (the
   * expired ones sort after every kept one, so cutting the newest of all first is the same cut).
   * A rules preview counts these, as a rebuild counts the pruned table.
   */
  *retainedByTime(now: number): Generator<unknown> {
    const order = this.storageOrder()
    for (const row of this.sql.exec<{ body: string }>(
      `SELECT body FROM events WHERE received_at >= ? AND message_id IN (
         SELECT message_id FROM events ORDER BY received_at DESC, ${order} DESC LIMIT ?)
       ORDER BY ts, ${order}`,
      now - EVENT_RETENTION_MS,
      MAX_STORED_EVENTS,
    ))
      yield JSON.parse(row.body)
  }

  /** The events stored after `upTo` (a `lastStored` mark), in the order they were stored. */
  *after(upTo: number): Generator<unknown> {
    if (upTo === Infinity) return
    const order = this.storageOrder()
    for (const row of this.sql.exec<{ body: string }>(
      `SELECT body FROM events WHERE ${order} > ? ORDER BY ${order}`,
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
