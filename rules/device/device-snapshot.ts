// The device state and its snapshot. The browser SDK keeps the snapshot in IndexedDB (or
// localStorage), the mini-program in wx storage, and saves it after every event; it crosses no
// network. On disk it keeps the short keys of the format's first version (`v: 'device'`), through
// this codec, for two reasons. The SDK's code has a byte budget, and readable keys on disk would
// cost more, not less: the device would still need this reader, to migrate the snapshots visitors
// hold. And unchanged bytes mean that two tabs of one site running two SDK versions (one from the
// cache) still share the state. A later, incompatible format takes a new `v` (say `'device-2'`),
// which this version refuses.
import {
  decodeAccumulator,
  encodeAccumulator,
  type ShortAccumulator,
} from '../aggregate/accumulator-codec.ts'
import type { Accumulator } from '../aggregate/accumulator.ts'
import type { StateSnapshot } from '../api.ts'
import { isObject, type Json } from '../document/json.ts'
import { mapValues } from '../document/short-keys.ts'

/** An open page visit: where and when it started. */
export interface OpenVisit {
  start: number
  path: string | null
  /** The dwell metrics it counts for. */
  metrics: string[]
}

/** A device state's data: the current session only (see `createDeviceState`). */
export interface DeviceData {
  /** The current session's first and latest event times, as in a `Session` (`end < 0`: none yet). */
  start: number
  end: number
  /** Input order of the latest event, for ties between equal timestamps (`first`/`last`/`top`). */
  seq: number
  /** Accumulators of the session metrics (closed dwell visits included), by metric id. */
  accumulators: Record<string, Accumulator>
  /** The latest page visit, if it is still open. */
  visit: OpenVisit | null
  /** Merged identify traits. */
  traits: Record<string, Json>
  /** Fingerprints of the metric definitions the data was counted under, by metric id. */
  fingerprints: Record<string, string>
}

/** {@link DeviceData} on disk: `v: 'device'`, the format's version, then its fields by initial. */
type DeviceSnapshot = {
  v: 'device'
  s: number
  e: number
  q: number
  a: Record<string, ShortAccumulator>
  /** The open visit: start time, path, dwell metrics. */
  o: { t: number; p: string | null; m: string[] } | null
  t: Record<string, Json>
  f: Record<string, string>
}

/** The snapshot of `data`: a copy, as JSON, that later changes to `data` do not touch. */
export function encodeDeviceSnapshot(data: DeviceData): StateSnapshot {
  const visit = data.visit
  const snapshot: DeviceSnapshot = {
    v: 'device',
    s: data.start,
    e: data.end,
    q: data.seq,
    a: mapValues(data.accumulators, encodeAccumulator),
    o: visit && { t: visit.start, p: visit.path, m: visit.metrics },
    t: data.traits,
    f: data.fingerprints,
  }
  return JSON.parse(JSON.stringify(snapshot)) as StateSnapshot
}

/** The data of a snapshot (its own copy); throws for anything that is not a device snapshot. */
export function decodeDeviceSnapshot(snapshot: StateSnapshot): DeviceData {
  const raw = JSON.parse(JSON.stringify(snapshot)) as DeviceSnapshot
  if (raw.v !== 'device' || !isObject(raw.a) || !isObject(raw.f))
    throw new Error('not a tagwise device snapshot')
  const visit = raw.o
  return {
    start: raw.s,
    end: raw.e,
    seq: raw.q,
    accumulators: mapValues(raw.a, decodeAccumulator),
    visit: visit && { start: visit.t, path: visit.p, metrics: visit.m },
    traits: raw.t,
    fingerprints: raw.f,
  }
}
