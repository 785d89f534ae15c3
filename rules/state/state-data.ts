import type { Accumulator } from '../aggregate/accumulator.ts'
import { ProfileBuckets } from './profile-buckets.ts'
import type { CompiledRules } from './compiled-rules.ts'
import type { TagwiseEvent } from '../document/event.ts'
import type { Json } from '../document/json.ts'
import type { Session } from './sessions.ts'
import type { PageEntry } from './visits.ts'

/**
 * The version of {@link ProfileJson}'s format. Version 1 (`v: 1`) had one-letter keys; it is read
 * through rules/state/snapshot-v1.ts. The edge keeps readable keys on disk, with no codec: a
 * snapshot is a Durable Object's SQLite row, bounded at 2 MB, and the keys add a bounded amount
 * (some 20 bytes per accumulator and trait, 2 KB for a full page timeline: +12–16 % on the test
 * fixtures, less beside 10,000 remembered messageIds), while a row an operator reads says what it
 * holds, and no code stands between the data and its bytes.
 */
export const FORMAT_VERSION = 2

/** An identify trait: its value and the event that set it (the latest by timestamp, then input order). */
export interface TraitEntry {
  value: Json
  ts: number
  seq: number
}

/** An event received before its timestamp, waiting to count (see `ProfileState.ingest`). */
export interface PendingEvent {
  ts: number
  /** Its JSON length, which `maxPendingSize` bounds. */
  size: number
  event: TagwiseEvent
}

/** The JSON data of a profile state, as `snapshot()` writes it and restore reads it. */
export interface ProfileJson {
  version: typeof FORMAT_VERSION
  /** Input order of the latest event, for ties between equal timestamps. */
  seq: number
  /** The messageIds remembered to drop duplicates, oldest first. */
  messageIds: string[]
  traits: Record<string, TraitEntry>
  /** The latest sessions, by start (see rules/state/sessions.ts). */
  sessions: Session[]
  /** Accumulators of `lifetime` metrics, by metric id. */
  lifetime: Record<string, Accumulator>
  /** Accumulators of sliding-window metrics: by metric id, then by time bucket index. */
  buckets: Record<string, Record<string, Accumulator>>
  /** The page timeline of dwell metrics (see rules/state/visits.ts). */
  pages: PageEntry[]
  /** Fingerprints of the metric definitions the data was counted under, by metric id. */
  fingerprints: Record<string, string>
  /** Events dated after they were received, by timestamp, then arrival (absent: none). */
  pending?: PendingEvent[]
}

/**
 * A profile state's data in memory: its JSON data, but the sliding-window metrics' buckets in
 * {@link ProfileBuckets}' parallel arrays (whose `toJSON` writes the objects back). An object
 * that each profile fills with metric ids in its own order takes a hidden class per order, and
 * reading it by id cost the CLI 3 % of its time.
 */
export interface ProfileData extends Omit<ProfileJson, 'buckets'> {
  /** Accumulators of sliding-window metrics: by metric id and time bucket. */
  buckets: ProfileBuckets
}

/** Sets an own property, also for the key `__proto__` (which plain assignment would treat as the prototype). */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__')
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    })
  else target[key] = value
}

/**
 * The fingerprints of each rules' metrics, one frozen object shared by all their states: nothing
 * writes to it (a snapshot is a copy), and `tagwise eval` creates a state for each of many profiles.
 */
const fingerprintsOf = /* @__PURE__ */ new WeakMap<CompiledRules, Record<string, string>>()

export function emptyData(compiled: CompiledRules): ProfileData {
  let fingerprints = fingerprintsOf.get(compiled)
  if (fingerprints === undefined) {
    fingerprints = {}
    for (const metric of compiled.metrics) fingerprints[metric.id] = metric.fingerprint
    fingerprintsOf.set(compiled, Object.freeze(fingerprints))
  }
  return {
    version: FORMAT_VERSION,
    seq: 0,
    messageIds: [],
    traits: {},
    sessions: [],
    lifetime: {},
    buckets: new ProfileBuckets(),
    pages: [],
    fingerprints,
  }
}
