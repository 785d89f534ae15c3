import type { Json, StateSnapshot } from '../../rules/index.ts'
import { MAX_SNAPSHOT_BYTES } from '../limits.ts'
import { EventStore } from './event-store.ts'
import { MergeStaging } from './merge-staging.ts'
import { PROFILE_SCHEMA } from './schema.ts'
import { TagStore } from './tag-store.ts'
import { ProfileMeta } from './meta.ts'
import { StorageTables } from './storage-tables.ts'

/** Where a merged profile went (identity merge). */
export interface Forward {
  /** The profile it was merged into. */
  to: string
  /** Event time (epoch ms) of the link that merged it: the earliest link wins. */
  at: number
  /** True until the target has absorbed this profile's data. */
  pending: boolean
}

/** A saved engine state and the last event it counts (`EventStore.lastStored`). */
export interface SavedState {
  rulesVersion: string
  snapshot: StateSnapshot
  upTo: number
}

/**
 * The SQL of one profile (synchronous: callers group calls in one `transactionSync`): its `meta`
 * (id, forward), `state` (the checkpoint), `traits` and `aliases` here, its `events` and `tags` in
 * their own stores. The object is the only writer of its storage, so the rows every batch reads
 * (`meta`, the current tags) are cached after their first read, and which tables exist is read
 * once (`StorageTables`, shared with the stores); `forget` drops the cache when a transaction
 * rolls back.
 *
 * The tables are created by the profile's first write (`setProfileId`), not when the object
 * starts: until then the object holds no storage at all, and the reads here answer as for an empty
 * profile, so a read of an id never seen (a guess) creates nothing.
 */
export class ProfileStore {
  readonly events: EventStore
  readonly tags: TagStore
  readonly merging: MergeStaging
  /** The `meta` rows, read once (also those of the listing, tag errors and erasure mark). */
  readonly meta: ProfileMeta
  private readonly tables: StorageTables

  constructor(private readonly sql: SqlStorage) {
    this.tables = new StorageTables(sql)
    this.meta = new ProfileMeta(sql, this.tables)
    this.events = new EventStore(sql, undefined, this.tables)
    this.tags = new TagStore(sql, this.tables)
    this.merging = new MergeStaging(sql, this.events)
    // A profile with storage brings its tables up to date on a cold start, unless they were
    // brought up to this very schema text before: an object starts again after 10 s idle, so the
    // DDL ran on most batches of a visitor who pauses between pages.
    if (this.hasSchema() && this.meta.get(SCHEMA) !== SCHEMA_FINGERPRINT) {
      this.migrate()
      this.meta.set(SCHEMA, SCHEMA_FINGERPRINT)
    }
  }

  /** Whether the tables exist: false until the profile's first write. */
  hasSchema(): boolean {
    return this.tables.has('meta')
  }

  /**
   * Creates the tables (or brings them up to date, or again after `deleteAll`; idempotent). A
   * cold start runs it only when `PROFILE_SCHEMA`'s text changed since it last ran on this storage
   * (the `meta` row {@link SCHEMA}): a migration written in code here rather than in that text must
   * change the text too (a comment will do), or profiles that ran the old text never run it. A
   * profile created with its checkpoint's mark in `meta` moves it into the `state` row; one
   * created with a row per event moves them into batch rows, and the mark with them (the writes
   * of one synchronous turn are committed together).
   */
  migrate(): void {
    const existed = this.tables.has('state')
    this.sql.exec(PROFILE_SCHEMA)
    this.forget()
    if (existed) this.moveMarkToState()
    if (!this.events.holdsRowPerEvent()) return
    const upTo = this.snapshotMark()
    const converted = this.events.convertRowPerEvent(upTo)
    if (converted !== upTo) this.sql.exec(`UPDATE state SET up_to = ?`, converted)
  }

  /**
   * A `state` table created before `up_to` gets the column, and the mark it held in `meta` (a
   * checkpoint saved then wrote both rows; a state without the row counts every stored event).
   */
  private moveMarkToState(): void {
    const table = this.sql
      .exec<{ sql: string }>(
        `SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'state'`,
      )
      .one().sql
    if (/\bup_to\b/.test(table)) return
    this.sql.exec(`ALTER TABLE state ADD COLUMN up_to INTEGER`)
    const upTo = this.meta.get(LEGACY_SNAPSHOT_UP_TO)
    if (upTo === undefined) return
    this.sql.exec(`UPDATE state SET up_to = ?`, Number(upTo))
    this.meta.delete(LEGACY_SNAPSHOT_UP_TO)
  }

  /** The checkpoint's mark (Infinity: no checkpoint, or one that counts every stored event). */
  private snapshotMark(): number {
    const row = this.sql.exec<{ up_to: number | null }>(`SELECT up_to FROM state`).toArray()[0]
    return row?.up_to ?? Infinity
  }

  /** Drops what was cached (the storage was rolled back or erased, or its tables created). */
  forget(): void {
    this.tables.forget()
    this.meta.forget()
    this.tags.forget()
    this.events.forget()
    this.merging.forgetMemory()
  }

  profileId(): string | undefined {
    return this.meta.get('profile')
  }

  /** Records the profile's id: its first write, which creates the tables. */
  setProfileId(id: string): void {
    if (this.profileId() !== undefined) return
    if (!this.hasSchema()) this.migrate()
    // The tables are current here (run now, or on this object's start): marked with the schema
    // text, the profile's first cold start runs no DDL either. Both rows in one statement (a new
    // profile's first batch), neither written again.
    this.meta.insertNew({ profile: id, [SCHEMA]: SCHEMA_FINGERPRINT })
  }

  forward(): Forward | undefined {
    const to = this.meta.get('forward')
    return to === undefined
      ? undefined
      : {
          to,
          at: Number(this.meta.get('forward_at')),
          pending: this.meta.get('forward_pending') === '1',
        }
  }

  /** Sets the forward, writing only what changed (a merge's release clears `pending` alone). */
  setForward({ to, at, pending }: Forward): void {
    const before = this.forward()
    if (before?.to !== to) this.meta.set('forward', to)
    if (before?.at !== at) this.meta.set('forward_at', String(at))
    if (before?.pending !== pending) this.meta.set('forward_pending', pending ? '1' : '0')
  }

  /**
   * Drops the forward (a loop of forwards is broken here: see `follow-forwards.ts`) and remembers
   * its target as refused, so the same link is not set again before the merge back is recorded.
   */
  dropForward(): void {
    const forward = this.forward()
    if (!forward) return
    this.meta.delete('forward', 'forward_at', 'forward_pending')
    this.meta.set('refused', forward.to)
  }

  /** Whether a link to `id` was refused here before (it closed a loop, or its person was full). */
  refused(id: string): boolean {
    return this.meta.get('refused') === id
  }

  /** Ids merged into this profile, oldest merge first. */
  aliases(): string[] {
    if (!this.hasSchema()) return []
    return this.sql
      .exec<{ id: string }>(`SELECT id FROM aliases ORDER BY merged_at, id`)
      .toArray()
      .map((row) => row.id)
  }

  /** How many ids are merged into this profile. */
  aliasCount(): number {
    if (!this.hasSchema()) return 0
    const [row] = this.sql.exec<{ held: number }>(`SELECT COUNT(*) AS held FROM aliases`).toArray()
    return row?.held ?? 0
  }

  hasAlias(id: string): boolean {
    if (!this.hasSchema()) return false
    return this.sql.exec(`SELECT 1 FROM aliases WHERE id = ?`, id).toArray().length > 0
  }

  addAlias(id: string, at: number): void {
    this.sql.exec(`INSERT OR IGNORE INTO aliases (id, merged_at) VALUES (?, ?)`, id, at)
  }

  /**
   * After a merge moved the data away: whether the directory and the tag index may still list this
   * id (a `meta` row, set with the release, cleared once D1 forgot the id).
   */
  listedAfterMerge(): boolean {
    return this.meta.get('listed_after_merge') !== undefined
  }

  setListedAfterMerge(listed: boolean): void {
    if (listed) this.meta.set('listed_after_merge', '1')
    else this.meta.delete('listed_after_merge')
  }

  /** Drops everything but `meta` (the id and the forward): after a merge moved the data away. */
  clearData(): void {
    this.events.clear()
    this.tags.clear()
    for (const table of ['state', 'traits', 'aliases', 'merging'])
      this.sql.exec(`DELETE FROM ${table}`)
  }

  /**
   * The saved engine state (a checkpoint): it counts the events up to `upTo`; the events
   * stored after it are counted by replaying `events.after(upTo)`. A snapshot saved before
   * checkpoints existed counted every stored event (`upTo` is then infinite).
   */
  snapshot(): SavedState | undefined {
    const row = this.hasSchema()
      ? this.sql
          .exec<{ rules_version: string; snapshot: string; up_to: number | null }>(
            `SELECT rules_version, snapshot, up_to FROM state WHERE id = 1`,
          )
          .toArray()[0]
      : undefined
    const saved = row && {
      rulesVersion: row.rules_version,
      snapshot: JSON.parse(row.snapshot) as StateSnapshot,
      upTo: row.up_to ?? Infinity,
    }
    // What a restore replays from: events stored later go in rows after it.
    this.events.seal(saved?.upTo ?? 0)
    return saved
  }

  /**
   * Saves a state that counts every event stored now (a checkpoint), unless its JSON is over
   * `MAX_SNAPSHOT_BYTES`: then no checkpoint is kept (returns false) and a restore replays every
   * stored event, as a rebuild does (what only the snapshot counted, events past retention, is
   * lost). A profile never holds a row SQLite refuses, so its commits never fail for its size.
   */
  saveSnapshot(rulesVersion: string, snapshot: StateSnapshot): boolean {
    const text = JSON.stringify(snapshot)
    // UTF-8 takes at most 3 bytes per UTF-16 unit: encode only when that could pass the bound.
    if (text.length * 3 > MAX_SNAPSHOT_BYTES && utf8Bytes(text) > MAX_SNAPSHOT_BYTES) {
      this.sql.exec(`DELETE FROM state`)
      this.events.seal(0)
      return false
    }
    // The mark in the same row: a checkpoint is one row written.
    const upTo = this.events.lastStored()
    this.sql.exec(
      `INSERT INTO state (id, rules_version, snapshot, up_to) VALUES (1, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET rules_version = excluded.rules_version,
         snapshot = excluded.snapshot, up_to = excluded.up_to`,
      rulesVersion,
      text,
      upTo,
    )
    this.events.seal(upTo)
    return true
  }

  traits(): Record<string, Json> {
    const traits: Record<string, Json> = {}
    if (!this.hasSchema()) return traits
    for (const row of this.sql.exec<{ key: string; value: string }>(
      `SELECT key, value FROM traits ORDER BY rowid`,
    ))
      Object.defineProperty(traits, row.key, {
        value: JSON.parse(row.value),
        enumerable: true,
        writable: true,
        configurable: true,
      })
    return traits
  }

  /**
   * Stores `traits` as they are, in their order. Most identifies repeat traits already stored, so
   * only what changed is written: when the stored keys come first in `traits`, in the same order,
   * changed values are updated in place and new keys appended; otherwise (a key dropped, an order
   * changed by a merge) every row is written again.
   */
  saveTraits(traits: Record<string, Json>): void {
    const stored = new Map(
      this.sql
        .exec<{ key: string; value: string }>(`SELECT key, value FROM traits ORDER BY rowid`)
        .toArray()
        .map((row) => [row.key, row.value]),
    )
    const entries = Object.entries(traits).map(
      ([key, value]) => [key, JSON.stringify(value)] as const,
    )
    const storedKeys = [...stored.keys()]
    const inOrder = storedKeys.every((key, index) => entries[index]?.[0] === key)
    if (!inOrder) {
      this.sql.exec(`DELETE FROM traits`)
      stored.clear()
    }
    for (const [key, value] of entries)
      if (!stored.has(key))
        this.sql.exec(`INSERT INTO traits (key, value) VALUES (?, ?)`, key, value)
      else if (stored.get(key) !== value)
        this.sql.exec(`UPDATE traits SET value = ? WHERE key = ?`, value, key)
  }
}

const utf8Bytes = (text: string): number => new TextEncoder().encode(text).byteLength

/** The `meta` key of the fingerprint of the schema text the tables were last brought up to. */
const SCHEMA = 'schema'
/** The `meta` key that held the checkpoint's mark before the `state` row did (`migrate`). */
const LEGACY_SNAPSHOT_UP_TO = 'snapshot_up_to'

/** `PROFILE_SCHEMA`'s fingerprint: its length and 32-bit FNV-1a hash, in hex. */
const SCHEMA_FINGERPRINT = ((text: string) => {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193)
  return `${text.length.toString(16)}-${(hash >>> 0).toString(16)}`
})(PROFILE_SCHEMA)
