import type { Json } from '../../rules/index.ts'
import {
  EVENT_RETENTION_MS,
  EXPIRY_ALARM_SLACK_MS,
  EXTEND_ROW_CHARS,
  EXTEND_WINDOW_MS,
  MAX_STORED_EVENTS,
} from '../limits.ts'
import { StorageTables } from './storage-tables.ts'

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
 * A profile's events (synchronous SQL, inside the caller's transaction): the truth the engine
 * state is counted from, deduplicated by `messageId` and bounded by retention and count.
 *
 * The events are stored **one row per stored batch** (table `event_batches`, schema.ts), not one
 * per event: Cloudflare bills every row written, and a browser's batch holds 2.7 events on
 * average (docs/cost.md). A row holds its events in the order they were stored; its `seq` (the
 * batch number, never reused while the object lives) orders the rows, so an event's place in the
 * storage order is (`seq`, its position in the row): the checkpoint's mark (`lastStored`) and a
 * merge's pages (`page`) are batch numbers. A visit's later batches extend the newest row while
 * no checkpoint counts it (`extendNewest`).
 *
 * Exactly-once needs every stored `messageId`, and no row is keyed by one any more: the store
 * reads the rows' `keys` column (the ids and receive times, placed before the bodies so that
 * reading it leaves the bodies on disk) once while the object lives, and keeps them in memory
 * (at most `MAX_STORED_EVENTS`). The object is the only writer of its storage, so the memory
 * follows every write; `forget` drops it when a transaction rolls back or the storage is erased,
 * and the next read loads it again from what the storage holds. Retention and the count bound are
 * decided from memory too: whole rows are deleted, and a row partly past the cut is rewritten.
 *
 * Reads in timestamp order (rebuilds, previews, the admin view) sort in SQLite (`json_each` over
 * the rows' events), which spills to disk: a profile may hold 10,000 events of 32 KB, more than an
 * object's memory.
 */
export class EventStore {
  /** When events past retention were last dropped (`pruneAfterBatch`), while the object lives. */
  private expiredAt: number | undefined
  /** What the rows hold but their bodies, once read (`load`). */
  private index: StoredIndex | undefined
  /**
   * The newest batch the last checkpoint counts (`seal`), `undefined` while unknown: a later batch
   * may add its events to a newer row only (`extendNewest`), or the restore would not replay them.
   */
  private sealedUpTo: number | undefined

  constructor(
    private readonly sql: SqlStorage,
    private readonly bounds: EventStoreBounds = DEFAULT_BOUNDS,
    private readonly tables = new StorageTables(sql),
  ) {}

  /** The stored batches without their bodies: read once while the object lives. */
  private load(): StoredIndex {
    // Asking for no row's events, the scan yields nothing: its first step reads every row.
    if (!this.index) this.scan(NO_BATCH).next()
    return this.index!
  }

  /**
   * Reads every row's keys into a new index (`load`) and, in the same statement, yields the
   * `events` of the rows numbered after `after`, in order: a cold start's restore needs both, the
   * ids for exactly-once and the events after the checkpoint to replay. Rows up to `after` leave
   * their bodies on disk (`CASE`: SQLite reads a column only when it is evaluated). The index is
   * kept once the rows were all read: a reader that stops early leaves none.
   */
  private *scan(after: number): Generator<string> {
    const index: StoredIndex = { batches: new Map(), where: new Map(), lastSeq: 0 }
    // No table yet (a profile that never wrote): nothing stored; its first write creates it.
    if (this.tables.has('event_batches'))
      for (const row of this.sql.exec<{
        seq: number
        keys: string
        chars: number
        events: string | null
      }>(
        `SELECT seq, keys, chars, CASE WHEN seq > ? THEN events END AS events
         FROM event_batches ORDER BY seq`,
        after,
      )) {
        const keys = JSON.parse(row.keys) as [string, number][]
        const batch: StoredBatch = {
          ids: keys.map(([id]) => id),
          receivedAt: keys.map(([, receivedAt]) => receivedAt),
          chars: row.chars,
        }
        index.batches.set(row.seq, batch)
        for (const id of batch.ids) index.where.set(id, row.seq)
        index.lastSeq = row.seq
        if (row.events !== null) yield row.events
      }
    this.index = index
  }

  /** How many events are stored. */
  count(): number {
    return this.load().where.size
  }

  /** Whether `messageId` is stored. */
  has(messageId: string): boolean {
    return this.load().where.has(messageId)
  }

  /** Which of `messageIds` are stored already. */
  knownIds(messageIds: Iterable<string>): Set<string> {
    const { where } = this.load()
    const known = new Set<string>()
    for (const id of messageIds) if (where.has(id)) known.add(id)
    return known
  }

  /**
   * Stores the events whose ids are not stored yet (the first of repeats) and returns those ids.
   * A visit's batches share a row (`extendNewest`).
   */
  insertNew(events: readonly NewEvent[]): Set<string> {
    const { where } = this.load()
    const fresh = new Map<string, Entry>()
    for (const event of events)
      if (!where.has(event.messageId) && !fresh.has(event.messageId))
        fresh.set(event.messageId, entryOf(event))
    const entries = [...fresh.values()]
    this.write(entries.slice(this.extendNewest(entries)))
    return new Set(fresh.keys())
  }

  /**
   * The saved state (a checkpoint) counts the events up to batch `upTo` (`EventStore.lastStored`
   * when it was saved): events stored later must go in newer rows. `ProfileStore` tells it when
   * it reads or saves a checkpoint; until then no row is extended.
   */
  seal(upTo: number): void {
    this.sealedUpTo = upTo
  }

  /**
   * Stores new events (their ids are not stored yet), in order: a browser's batch in the row of
   * its visit (`extendNewest`), or in a row of its own.
   */
  add(events: readonly NewEvent[]): void {
    const entries = events.map(entryOf)
    this.write(entries.slice(this.extendNewest(entries)))
  }

  /** Drops the events `messageIds` (those stored): their rows are rewritten, or deleted. */
  remove(messageIds: readonly string[]): void {
    const { where } = this.load()
    this.drop(
      messageIds.flatMap((id) => {
        const seq = where.get(id)
        return seq === undefined ? [] : [{ id, seq }]
      }),
    )
  }

  /**
   * Stores the events staged for a merge from profile `source` in the table `merging`
   * (`MergeStaging`) that are not stored yet, in timestamp order. Read and written a row's worth
   * at a time: a merged profile may hold more than the object's memory.
   */
  addStaged(source: string): void {
    this.write(
      entriesOf(
        this.sql.exec<EventRow>(
          `SELECT message_id, ts, received_at, body FROM merging WHERE source = ?
           ORDER BY ts, message_id`,
          source,
        ),
        this.load().where,
      ),
    )
  }

  /** Drops every stored event (a merge moved them away). */
  clear(): void {
    this.cut(new Map([...this.load().batches.keys()].map((seq) => [seq, () => false])))
  }

  /**
   * The mark of the last event stored (0: none): events stored later come `after` it. The newest
   * row may be empty (`cut`), and is the mark then.
   */
  lastStored(): number {
    let last = 0
    for (const seq of this.load().batches.keys()) last = seq
    return last
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
   * When the oldest stored event passes the retention period, plus {@link EXPIRY_ALARM_SLACK_MS}:
   * the time the object's alarm drops it if no batch came before (`undefined`: nothing stored).
   * Without it, the events of a visitor who never comes back would be kept for ever.
   */
  expiresAt(): number | undefined {
    let oldest = Infinity
    for (const batch of this.load().batches.values())
      for (const receivedAt of batch.receivedAt) if (receivedAt < oldest) oldest = receivedAt
    return oldest === Infinity ? undefined : oldest + EVENT_RETENTION_MS + EXPIRY_ALARM_SLACK_MS
  }

  /**
   * `prune` after a batch: the per-profile maximum holds after every batch, but events past the
   * retention period are dropped at most once per `EXPIRY_INTERVAL_MS` while the object lives
   * (an object that starts again drops them on its first batch): each expiry may rewrite a row
   * (a merged batch whose events were received at different times), and an event kept up to an
   * hour past its 90 days changes nothing a rebuild counts (it prunes exactly). Returns whether it
   * deleted any.
   */
  pruneAfterBatch(now: number): boolean {
    const due = this.expiredAt === undefined || now >= this.expiredAt + EXPIRY_INTERVAL_MS
    const expired = due && this.expire(now)
    return this.bound() || expired
  }

  /**
   * Forgets what was read and when events were last expired (the transaction that wrote rolled
   * back, or the storage was erased): the next read loads the stored ids again.
   */
  forget(): void {
    this.expiredAt = undefined
    this.index = undefined
    this.sealedUpTo = undefined
    this.tables.forget()
  }

  /** Drops the events received before the retention period. */
  private expire(now: number): boolean {
    this.expiredAt = now
    const oldest = now - EVENT_RETENTION_MS
    const cuts = new Map<number, Keep>()
    for (const [seq, batch] of this.load().batches)
      if (batch.receivedAt.some((receivedAt) => receivedAt < oldest))
        cuts.set(seq, (_, position) => batch.receivedAt[position]! >= oldest)
    return this.cut(cuts)
  }

  /** Drops the oldest events (by receive time, then storage order) beyond the bound. */
  private bound(): boolean {
    const over = this.count() - this.bounds.maxEvents
    return over > 0 && this.drop(this.byReceipt().slice(0, over))
  }

  /** Drops `events` (each by its id and batch number). Returns whether it dropped any. */
  private drop(events: Iterable<{ id: string; seq: number }>): boolean {
    const dropped = new Map<number, Set<string>>()
    for (const { id, seq } of events) {
      let ids = dropped.get(seq)
      if (!ids) dropped.set(seq, (ids = new Set()))
      ids.add(id)
    }
    return this.cut(new Map([...dropped].map(([seq, ids]) => [seq, (id: string) => !ids.has(id)])))
  }

  /** Every stored event's place, oldest first by receive time, then in the storage order. */
  private byReceipt(): Place[] {
    const places: Place[] = []
    for (const [seq, batch] of this.load().batches)
      batch.ids.forEach((id, position) =>
        places.push({ id, receivedAt: batch.receivedAt[position]!, seq, position }),
      )
    return places.sort(
      (a, b) => a.receivedAt - b.receivedAt || a.seq - b.seq || a.position - b.position,
    )
  }

  /**
   * Keeps, of each batch `seq` in `cuts`, the events its `keep` keeps: a row that loses some is
   * rewritten (one row written), a row left empty deleted. But the newest row stays, emptied: its
   * number is where numbering goes on after a restart (`load`), so a number is never given twice,
   * not even to a batch stored after its events were deleted (a checkpoint's mark may name it).
   * Returns whether any event went.
   */
  private cut(cuts: ReadonlyMap<number, Keep>): boolean {
    const index = this.load()
    // A cut adds no row and keeps the newest: its number holds throughout.
    const last = this.lastStored()
    let any = false
    for (const [seq, keep] of cuts) {
      const batch = index.batches.get(seq)
      if (!batch) continue
      const kept = batch.ids.flatMap((id, position) => (keep(id, position) ? [position] : []))
      if (kept.length === batch.ids.length) continue
      any = true
      for (const id of batch.ids) index.where.delete(id)
      const { events } = kept.length
        ? this.sql
            .exec<{ events: string }>(`SELECT events FROM event_batches WHERE seq = ?`, seq)
            .one()
        : { events: '[]' }
      const stored = JSON.parse(events) as RowEvent[]
      const entries = kept.map((position) => {
        const [ts, receivedAt, event] = stored[position]!
        return { messageId: batch.ids[position]!, ts, receivedAt, body: JSON.stringify(event) }
      })
      if (!entries.length && seq !== last) {
        this.sql.exec(`DELETE FROM event_batches WHERE seq = ?`, seq)
        index.batches.delete(seq)
        continue
      }
      const row = rowOf(entries)
      this.sql.exec(
        `UPDATE event_batches SET keys = ?, chars = ?, events = ? WHERE seq = ?`,
        row.keys,
        row.events.length,
        row.events,
        seq,
      )
      // The same key: the batch keeps its place in the storage order (and in the map's order).
      index.batches.set(seq, indexOf(entries, row.events.length))
      for (const entry of entries) index.where.set(entry.messageId, seq)
    }
    // An emptied newest row kept before is deleted once a newer one holds the numbering.
    for (const [seq, batch] of index.batches)
      if (!batch.ids.length && seq !== last) {
        this.sql.exec(`DELETE FROM event_batches WHERE seq = ?`, seq)
        index.batches.delete(seq)
      }
    return any
  }

  /**
   * Writes `entries` in order as new batch rows, each of at most `rowEvents` events and `rowChars`
   * characters of events (but for a single larger event): a batch from HTTP is up to 500 KB, a
   * merge moves up to 10,000 events, and a row stays far below SQLite's 2 MB.
   */
  private write(entries: Iterable<Entry>): void {
    let row: Entry[] = []
    let chars = 0
    for (const entry of entries) {
      const size = entryChars(entry)
      if (
        row.length &&
        (row.length === this.bounds.rowEvents || chars + size > this.bounds.rowChars)
      ) {
        this.insertRow(row)
        row = []
        chars = 0
      }
      row.push(entry)
      chars += size
    }
    if (row.length) this.insertRow(row)
  }

  /**
   * Adds to the newest row the first of `entries` that fit in it, and returns how many: a row is
   * one row written whether it is inserted or rewritten, but each row stored is one more written
   * when it is deleted (retention, a merge), so a visit's batches (2.7 events each from a browser)
   * share one. Only a row no checkpoint counts yet (`seal`), started within
   * {@link EXTEND_WINDOW_MS} of `entries` and below {@link EXTEND_ROW_CHARS} characters (each
   * extension rewrites the row's keys and appends to its events in SQLite, without reading them).
   */
  private extendNewest(entries: readonly Entry[]): number {
    const index = this.load()
    const seq = index.lastSeq
    const batch = index.batches.get(seq)
    const first = entries[0]
    if (!first || !batch || this.sealedUpTo === undefined || seq <= this.sealedUpTo) return 0
    // The row's first event was received first: rows written by batches are in receive order.
    if (batch.ids.length && first.receivedAt - batch.receivedAt[0]! > EXTEND_WINDOW_MS) return 0
    const maxChars = Math.min(EXTEND_ROW_CHARS, this.bounds.rowChars)
    let count = 0
    let chars = batch.chars
    for (const entry of entries) {
      const size = entryChars(entry)
      if (batch.ids.length + count >= this.bounds.rowEvents || chars + size > maxChars) break
      chars += size
      count++
    }
    if (!count) return 0
    const added = entries.slice(0, count)
    const { events } = rowOf(added)
    const keys = JSON.stringify([
      ...batch.ids.map((id, position) => [id, batch.receivedAt[position]]),
      ...added.map((entry) => [entry.messageId, entry.receivedAt]),
    ])
    if (batch.ids.length) {
      // `[a,b]` + `[c]` is `[a,b` + `,c]`: SQLite counts and cuts characters, as `chars` does.
      this.sql.exec(
        `UPDATE event_batches SET keys = ?, chars = chars + ?,
           events = substr(events, 1, length(events) - 1) || ',' || ? WHERE seq = ?`,
        keys,
        events.length - 1,
        events.slice(1),
        seq,
      )
      batch.chars += events.length - 1
    } else {
      // The newest row kept emptied (`cut`): its events are these.
      this.sql.exec(
        `UPDATE event_batches SET keys = ?, chars = ?, events = ? WHERE seq = ?`,
        keys,
        events.length,
        events,
        seq,
      )
      batch.chars = events.length
    }
    for (const entry of added) {
      batch.ids.push(entry.messageId)
      batch.receivedAt.push(entry.receivedAt)
      index.where.set(entry.messageId, seq)
    }
    return count
  }

  private insertRow(entries: readonly Entry[]): void {
    const index = this.load()
    const seq = ++index.lastSeq
    const row = rowOf(entries)
    this.sql.exec(
      `INSERT INTO event_batches (seq, keys, chars, events) VALUES (?, ?, ?, ?)`,
      seq,
      row.keys,
      row.events.length,
      row.events,
    )
    index.batches.set(seq, indexOf(entries, row.events.length))
    for (const entry of entries) index.where.set(entry.messageId, seq)
  }

  /**
   * A page of events stored after `after` (a batch number), in the order they were stored: whole
   * batches, at most `maxEvents` events and `maxChars` characters of stored events beyond the
   * first batch. `next` is where the next page starts, `null` after the last.
   */
  page(
    after: number,
    maxEvents: number,
    maxChars: number,
  ): { events: StoredEvent[]; next: number | null } {
    const { batches } = this.load()
    let events = 0
    let chars = 0
    let first: number | undefined
    let last = after
    let more = false
    for (const [seq, batch] of batches) {
      if (seq <= after || !batch.ids.length) continue
      if (
        first !== undefined &&
        (events + batch.ids.length > maxEvents || chars + batch.chars > maxChars)
      ) {
        more = true
        break
      }
      first ??= seq
      last = seq
      events += batch.ids.length
      chars += batch.chars
    }
    if (first === undefined) return { events: [], next: null }
    const page: StoredEvent[] = []
    for (const row of this.sql
      .exec<{ seq: number; events: string }>(
        `SELECT seq, events FROM event_batches WHERE seq BETWEEN ? AND ? ORDER BY seq`,
        first,
        last,
      )
      .toArray()) {
      const ids = batches.get(row.seq)!.ids
      ;(JSON.parse(row.events) as RowEvent[]).forEach(([ts, receivedAt, event], position) =>
        page.push({ messageId: ids[position]!, ts, receivedAt, event }),
      )
    }
    return { events: page, next: more ? last : null }
  }

  /** The latest `limit` events by timestamp, newest first. */
  latest(limit: number): Json[] {
    if (!this.count()) return []
    return this.sql
      .exec<{ body: string }>(
        `SELECT ${EVENT_BODY} AS body FROM ${EACH_EVENT}
         ORDER BY ${EVENT_TS} DESC, batch.seq DESC, event.key DESC LIMIT ?`,
        limit,
      )
      .toArray()
      .map((row) => JSON.parse(row.body) as Json)
  }

  /** Every stored event in timestamp order (to rebuild a state). */
  *byTime(): Generator<unknown> {
    if (!this.count()) return
    for (const row of this.sql.exec<{ body: string }>(
      `SELECT ${EVENT_BODY} AS body FROM ${EACH_EVENT}
       ORDER BY ${EVENT_TS}, batch.seq, event.key`,
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
    const stored = this.count()
    if (!stored) return
    // The oldest place the count bound keeps: every event at or after it, by receive time then
    // storage order, is among the newest `MAX_STORED_EVENTS`.
    const oldestKept =
      stored > this.bounds.maxEvents && this.byReceipt()[stored - this.bounds.maxEvents]
    const bounded = oldestKept
      ? `AND (${EVENT_RECEIVED_AT}, batch.seq, event.key) >= (?, ?, ?)`
      : ''
    for (const row of this.sql.exec<{ body: string }>(
      `SELECT ${EVENT_BODY} AS body FROM ${EACH_EVENT}
       WHERE ${EVENT_RECEIVED_AT} >= ? ${bounded}
       ORDER BY ${EVENT_TS}, batch.seq, event.key`,
      now - EVENT_RETENTION_MS,
      ...(oldestKept ? [oldestKept.receivedAt, oldestKept.seq, oldestKept.position] : []),
    ))
      yield JSON.parse(row.body)
  }

  /**
   * The events stored after `upTo` (a `lastStored` mark), in the order they were stored. Read with
   * the stored ids when they are not read yet (a cold start's restore): one statement.
   */
  *after(upTo: number): Generator<unknown> {
    if (upTo === Infinity) return
    for (const events of this.index ? this.eventsAfter(upTo) : this.scan(upTo))
      for (const [, , event] of JSON.parse(events) as RowEvent[]) yield event
  }

  /** The `events` of the rows numbered after `upTo`, in order (the ids are read already). */
  private *eventsAfter(upTo: number): Generator<string> {
    if (!this.count()) return
    for (const row of this.sql.exec<{ events: string }>(
      `SELECT events FROM event_batches WHERE seq > ? ORDER BY seq`,
      upTo,
    ))
      yield row.events
  }

  /** Whether the profile holds a table `events` of a row per event (created before batch rows). */
  holdsRowPerEvent(): boolean {
    return this.tables.has('events')
  }

  private rowPerEventTable(): string | undefined {
    return this.sql
      .exec<{ sql: string }>(
        `SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'events'`,
      )
      .toArray()[0]?.sql
  }

  /**
   * Moves the events of a table `events` of an earlier form (a row per event: a rowid table, or
   * `WITHOUT ROWID` numbered by `seq`) into batch rows, then drops it: once, on the first cold
   * start of a profile created before. `upTo` is the checkpoint's mark in the old order (Infinity:
   * none); returns it as a batch number: the events up to it end a row of their own.
   */
  convertRowPerEvent(upTo: number): number {
    const table = this.rowPerEventTable()
    if (table === undefined) return upTo
    const order = /\bWITHOUT\s+ROWID\b/i.test(table) ? 'seq' : 'rowid'
    const { where } = this.load()
    const bound = upTo === Infinity ? Number.MAX_SAFE_INTEGER : upTo
    const read = (condition: string) =>
      entriesOf(
        this.sql.exec<EventRow>(
          `SELECT message_id, ts, received_at, body FROM events WHERE ${condition} ORDER BY ${order}`,
          bound,
        ),
        where,
      )
    this.write(read(`${order} <= ?`))
    const mark = this.lastStored()
    this.write(read(`${order} > ?`))
    // Every cursor on the table has run to its end: a table with one open cannot be dropped.
    this.sql.exec(`DROP TABLE events`)
    this.tables.forget()
    return upTo === Infinity ? upTo : mark
  }
}

/** A batch number before every batch: `scan` reads no row's events. */
const NO_BATCH = Number.MAX_SAFE_INTEGER

/** How often a profile that takes batches drops its events past retention, in ms. */
export const EXPIRY_INTERVAL_MS = 3_600_000

/** How many events a store keeps, and how many go in one batch row (tests make them small). */
export interface EventStoreBounds {
  /** Most events stored (the oldest by receive time go first). */
  maxEvents: number
  /** Most events in one batch row. */
  rowEvents: number
  /** Most characters of events' JSON in one batch row (but for a single event). */
  rowChars: number
}

/**
 * A profile keeps `MAX_STORED_EVENTS`; a batch row holds at most 500 events and 256 K characters
 * of their JSON: at most 768 KB of UTF-8 (3 bytes per character at worst) and 500 ids of 256
 * characters in `keys`, far below SQLite's 2 MB for a row.
 */
export const DEFAULT_BOUNDS: EventStoreBounds = {
  maxEvents: MAX_STORED_EVENTS,
  rowEvents: 500,
  rowChars: 256 * 1024,
}

/** Each stored event of each batch row, for reads that sort them in SQLite. */
const EACH_EVENT = `event_batches AS batch, json_each(batch.events) AS event`
const EVENT_TS = `(event.value ->> 0)`
const EVENT_RECEIVED_AT = `(event.value ->> 1)`
/** The event's JSON text (`->` gives JSON, where `->>` would give a string's value). */
const EVENT_BODY = `(event.value -> 2)`

/** What memory holds of the stored rows (`EventStore.load`). */
interface StoredIndex {
  /** By batch number, in the storage order. */
  batches: Map<number, StoredBatch>
  /** The batch number of each stored messageId. */
  where: Map<string, number>
  /** The last batch number given (never given again while the object lives). */
  lastSeq: number
}

/** A batch row without its events' bodies. */
interface StoredBatch {
  ids: string[]
  receivedAt: number[]
  /** Characters of the row's `events` (a merge's page is bounded by them). */
  chars: number
}

/** An event to write, its body as JSON. */
interface Entry {
  messageId: string
  ts: number
  receivedAt: number
  body: string
}

/** An event in a row's `events` column: `[ts, receivedAt, event]`. */
type RowEvent = [number, number, Json]

/** An event's place in the storage order, with its receive time. */
interface Place {
  id: string
  receivedAt: number
  seq: number
  position: number
}

/** Whether an event of a batch being cut (its id, its position in the row) stays. */
type Keep = (messageId: string, position: number) => boolean

/** A row of a table of an event per row (`merging`; `events` in profiles created before). */
interface EventRow extends Record<string, SqlStorageValue> {
  message_id: string
  ts: number
  received_at: number
  body: string
}

/** The events of `rows` not stored yet (in `stored`), as they are written. */
function* entriesOf(
  rows: Iterable<EventRow>,
  stored: ReadonlyMap<string, number>,
): Generator<Entry> {
  for (const row of rows)
    if (!stored.has(row.message_id))
      yield { messageId: row.message_id, ts: row.ts, receivedAt: row.received_at, body: row.body }
}

function entryOf(event: NewEvent): Entry {
  return {
    messageId: event.messageId,
    ts: event.ts,
    receivedAt: event.receivedAt,
    body: JSON.stringify(event.event),
  }
}

/** An entry's share of its row's `events` JSON: `[ts,receivedAt,body]` and a comma or bracket. */
const entryChars = (entry: Entry): number => entryJson(entry).length + 1

const entryJson = (entry: Entry): string =>
  `[${JSON.stringify(entry.ts)},${JSON.stringify(entry.receivedAt)},${entry.body}]`

/** The columns of a row holding `entries`: the events' JSON is built from their JSON bodies. */
function rowOf(entries: readonly Entry[]): { keys: string; events: string } {
  return {
    keys: JSON.stringify(entries.map((entry) => [entry.messageId, entry.receivedAt])),
    events: `[${entries.map(entryJson).join(',')}]`,
  }
}

function indexOf(entries: readonly Entry[], chars: number): StoredBatch {
  return {
    ids: entries.map((entry) => entry.messageId),
    receivedAt: entries.map((entry) => entry.receivedAt),
    chars,
  }
}
