import type { Json, StateSnapshot, TagValue } from '../../rules/index.ts'
import { EVENT_RETENTION_MS, MAX_STORED_EVENTS, MAX_TAG_HISTORY } from '../limits.ts'
import { PROFILE_SCHEMA } from './schema.ts'
import type { TagChange } from './tag-changes.ts'

/** A recorded tag change, as `GET /v1/profiles/:id` lists it. */
export interface TagHistoryEntry extends TagChange {
  /** ISO-8601 time of the evaluation that saw the change. */
  at: string
}

/** Where a merged profile went (identity merge). */
export interface Forward {
  /** The profile it was merged into. */
  to: string
  /** Event time (epoch ms) of the link that merged it: the earliest link wins. */
  at: number
  /** True until the target has absorbed this profile's data. */
  pending: boolean
}

/** A stored event with its columns, as moved by an identity merge. */
export interface StoredEvent {
  messageId: string
  ts: number
  receivedAt: number
  event: Json
}

/** A saved engine state and the last event (rowid) it counts. */
export interface SavedState {
  rulesVersion: string
  snapshot: StateSnapshot
  upTo: number
}

/** An event to store. */
export interface NewEvent {
  messageId: string
  ts: number
  receivedAt: number
  event: unknown
}

/**
 * The SQL of one profile (synchronous: callers group calls in one `transactionSync`). The object is
 * the only writer of its storage, so the rows every batch reads (the id, the forward, the current
 * tags) are cached after their first read; `forget` drops the cache when a transaction rolls back.
 */
export class ProfileStore {
  private cache: {
    profileId?: string | undefined
    forward?: Forward | undefined
    tags?: Record<string, TagValue>
  } = {}

  constructor(private readonly sql: SqlStorage) {
    this.migrate()
  }

  /** Creates the tables (again, after `deleteAll`). */
  migrate(): void {
    this.sql.exec(PROFILE_SCHEMA)
    this.forget()
  }

  /** Drops what was cached (the storage was rolled back or erased). */
  forget(): void {
    this.cache = {}
  }

  profileId(): string | undefined {
    if (!('profileId' in this.cache))
      this.cache.profileId = this.sql
        .exec<{ value: string }>(`SELECT value FROM meta WHERE key = 'profile'`)
        .toArray()[0]?.value
    return this.cache.profileId
  }

  setProfileId(id: string): void {
    if (this.profileId() !== undefined) return
    this.sql.exec(`INSERT OR IGNORE INTO meta (key, value) VALUES ('profile', ?)`, id)
    this.cache.profileId = id
  }

  forward(): Forward | undefined {
    if (!('forward' in this.cache)) this.cache.forward = this.readForward()
    return this.cache.forward
  }

  private readForward(): Forward | undefined {
    const meta = new Map(
      this.sql
        .exec<{ key: string; value: string }>(
          `SELECT key, value FROM meta WHERE key IN ('forward', 'forward_at', 'forward_pending')`,
        )
        .toArray()
        .map((row) => [row.key, row.value]),
    )
    const to = meta.get('forward')
    if (to === undefined) return undefined
    return { to, at: Number(meta.get('forward_at')), pending: meta.get('forward_pending') === '1' }
  }

  setForward({ to, at, pending }: Forward): void {
    const set = `INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)`
    this.sql.exec(set, 'forward', to)
    this.sql.exec(set, 'forward_at', String(at))
    this.sql.exec(set, 'forward_pending', pending ? '1' : '0')
    this.cache.forward = { to, at, pending }
  }

  /** Ids merged into this profile, oldest merge first. */
  aliases(): string[] {
    return this.sql
      .exec<{ id: string }>(`SELECT id FROM aliases ORDER BY merged_at, id`)
      .toArray()
      .map((row) => row.id)
  }

  hasAlias(id: string): boolean {
    return this.sql.exec(`SELECT 1 FROM aliases WHERE id = ?`, id).toArray().length > 0
  }

  addAlias(id: string, at: number): void {
    this.sql.exec(`INSERT OR IGNORE INTO aliases (id, merged_at) VALUES (?, ?)`, id, at)
  }

  /** Every stored event with its columns, in timestamp order. */
  storedEvents(): StoredEvent[] {
    return this.sql
      .exec<{ message_id: string; ts: number; received_at: number; body: string }>(
        `SELECT message_id, ts, received_at, body FROM events ORDER BY ts, rowid`,
      )
      .toArray()
      .map((row) => ({
        messageId: row.message_id,
        ts: row.ts,
        receivedAt: row.received_at,
        event: JSON.parse(row.body) as Json,
      }))
  }

  /** Drops everything but `meta` (the id and the forward): after a merge moved the data away. */
  clearData(): void {
    for (const table of ['events', 'state', 'tags', 'tag_history', 'traits', 'aliases'])
      this.sql.exec(`DELETE FROM ${table}`)
    this.sql.exec(`DELETE FROM meta WHERE key = 'snapshot_up_to'`)
    delete this.cache.tags
  }

  /** Which of `messageIds` are stored already (one query for a whole batch). */
  storedIds(messageIds: readonly string[]): Set<string> {
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
  insertNewEvents(events: readonly NewEvent[]): Set<string> {
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

  removeEvents(messageIds: readonly string[]): void {
    for (const ids of chunks(messageIds, MAX_BOUND))
      this.sql.exec(
        `DELETE FROM events WHERE message_id IN (${ids.map(() => '?').join(',')})`,
        ...ids,
      )
  }

  /** Stores new events (their ids are not stored yet), a few statements for a whole batch. */
  addEvents(events: readonly NewEvent[]): void {
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
   * Drops events past the retention period, then the oldest beyond the per-profile maximum.
   * Returns whether it deleted (or may have deleted) any.
   */
  pruneEvents(now: number): boolean {
    // Index ends only, no walk (one min/max per subquery, else SQLite scans): the oldest receive
    // time, and the span of rowids, which only grow, so it bounds the count (the exact cut below
    // walks up to 10,000 rows).
    const { oldest, span } = this.sql
      .exec<{ oldest: number | null; span: number | null }>(
        `SELECT (SELECT min(received_at) FROM events) AS oldest,
           (SELECT max(rowid) FROM events) - (SELECT min(rowid) FROM events) + 1 AS span`,
      )
      .one()
    const cutoff = now - EVENT_RETENTION_MS
    const expired = oldest !== null && oldest < cutoff
    if (expired) this.sql.exec(`DELETE FROM events WHERE received_at < ?`, cutoff)
    if (span === null || span <= MAX_STORED_EVENTS) return expired
    this.sql.exec(
      `DELETE FROM events WHERE rowid IN (
        SELECT rowid FROM events ORDER BY received_at DESC, rowid DESC LIMIT -1 OFFSET ?)`,
      MAX_STORED_EVENTS,
    )
    return true
  }

  /** The latest `limit` events by timestamp, newest first. */
  latestEvents(limit: number): Json[] {
    return this.sql
      .exec<{ body: string }>(`SELECT body FROM events ORDER BY ts DESC, rowid DESC LIMIT ?`, limit)
      .toArray()
      .map((row) => JSON.parse(row.body) as Json)
  }

  /** Every stored event in timestamp order (to rebuild a state). */
  *eventsByTime(): Generator<unknown> {
    for (const row of this.sql.exec<{ body: string }>(`SELECT body FROM events ORDER BY ts, rowid`))
      yield JSON.parse(row.body)
  }

  /**
   * The saved engine state (a checkpoint): it counts the events up to rowid `upTo`; the events
   * stored after it are counted by replaying `eventsAfter(upTo)`. A snapshot saved before
   * checkpoints existed counted every stored event (`upTo` is then infinite).
   */
  snapshot(): SavedState | undefined {
    const row = this.sql
      .exec<{ rules_version: string; snapshot: string; up_to: string | null }>(
        `SELECT rules_version, snapshot,
           (SELECT value FROM meta WHERE key = 'snapshot_up_to') AS up_to FROM state WHERE id = 1`,
      )
      .toArray()[0]
    return (
      row && {
        rulesVersion: row.rules_version,
        snapshot: JSON.parse(row.snapshot) as StateSnapshot,
        upTo: row.up_to === null ? Infinity : Number(row.up_to),
      }
    )
  }

  /** Saves a state that counts every event stored now (a checkpoint). */
  saveSnapshot(rulesVersion: string, snapshot: StateSnapshot): void {
    this.sql.exec(
      `INSERT OR REPLACE INTO state (id, rules_version, snapshot) VALUES (1, ?, ?)`,
      rulesVersion,
      JSON.stringify(snapshot),
    )
    this.sql.exec(
      `INSERT OR REPLACE INTO meta (key, value)
       VALUES ('snapshot_up_to', (SELECT coalesce(max(rowid), 0) FROM events))`,
    )
  }

  /** The events stored after rowid `upTo`, in the order they were stored. */
  *eventsAfter(upTo: number): Generator<unknown> {
    if (upTo === Infinity) return
    for (const row of this.sql.exec<{ body: string }>(
      `SELECT body FROM events WHERE rowid > ? ORDER BY rowid`,
      upTo,
    ))
      yield JSON.parse(row.body)
  }

  /** The current tags (a copy). */
  tags(): Record<string, TagValue> {
    if (!this.cache.tags) {
      const tags: Record<string, TagValue> = {}
      for (const row of this.sql.exec<{ tag: string; value: string }>(
        `SELECT tag, value FROM tags`,
      ))
        tags[row.tag] = JSON.parse(row.value) as TagValue
      this.cache.tags = tags
    }
    return { ...this.cache.tags }
  }

  /** Applies tag changes and appends them to the history (bounded). */
  applyTagChanges(changes: readonly TagChange[], at: number): void {
    const tags = this.tags()
    for (const { tag, from, to } of changes) {
      if (to === null) delete tags[tag]
      else tags[tag] = to
      if (to === null) this.sql.exec(`DELETE FROM tags WHERE tag = ?`, tag)
      else
        this.sql.exec(
          `INSERT OR REPLACE INTO tags (tag, value, since) VALUES (?, ?, ?)`,
          tag,
          JSON.stringify(to),
          at,
        )
      this.sql.exec(
        `INSERT INTO tag_history (tag, from_value, to_value, at) VALUES (?, ?, ?, ?)`,
        tag,
        from === null ? null : JSON.stringify(from),
        to === null ? null : JSON.stringify(to),
        at,
      )
    }
    if (changes.length)
      this.sql.exec(
        `DELETE FROM tag_history WHERE id <= (SELECT max(id) FROM tag_history) - ?`,
        MAX_TAG_HISTORY,
      )
    this.cache.tags = tags
  }

  /** Tag changes, newest first. */
  tagHistory(limit = MAX_TAG_HISTORY): TagHistoryEntry[] {
    const parse = (value: string | null) =>
      value === null ? null : (JSON.parse(value) as TagValue)
    return this.sql
      .exec<{ tag: string; from_value: string | null; to_value: string | null; at: number }>(
        `SELECT tag, from_value, to_value, at FROM tag_history ORDER BY id DESC LIMIT ?`,
        limit,
      )
      .toArray()
      .map((row) => ({
        tag: row.tag,
        from: parse(row.from_value),
        to: parse(row.to_value),
        at: new Date(row.at).toISOString(),
      }))
  }

  traits(): Record<string, Json> {
    const traits: Record<string, Json> = {}
    for (const row of this.sql.exec<{ key: string; value: string }>(
      `SELECT key, value FROM traits`,
    ))
      Object.defineProperty(traits, row.key, {
        value: JSON.parse(row.value),
        enumerable: true,
        writable: true,
        configurable: true,
      })
    return traits
  }

  saveTraits(traits: Record<string, Json>): void {
    this.sql.exec(`DELETE FROM traits`)
    for (const [key, value] of Object.entries(traits))
      this.sql.exec(`INSERT INTO traits (key, value) VALUES (?, ?)`, key, JSON.stringify(value))
  }
}

/** Most values bound to one statement (Durable Object SQL allows 100). */
const MAX_BOUND = 100

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}
