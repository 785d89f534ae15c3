// The device snapshot's first format (`v: 'device'`, one-letter keys), which SDKs before the
// readable format stored. A visitor's browser holds one until its first page view with a newer SDK,
// which upgrades it once, before restoring the state: browsers load this module as a chunk of its
// own, only then (scripts/lazy-chunks.js).
import { decodeAccumulator, type ShortAccumulator } from '../aggregate/accumulator-codec.ts'
import type { StateSnapshot } from '../api.ts'
import { isObject, type Json } from '../document/json.ts'
import { mapValues } from '../document/short-keys.ts'
import { encodeDeviceSnapshot } from './device-snapshot.ts'

/** The first format: `DeviceData`'s fields by initial. */
interface LegacyDeviceSnapshot {
  v: 'device'
  /** The session's start and latest event times, the input order. */
  s: number
  e: number
  q: number
  a: Record<string, ShortAccumulator>
  /** The open visit: start time, path, dwell metrics. */
  o: { t: number; p: string | null; m: string[] } | null
  t: Record<string, Json>
  f: Record<string, string>
}

function isLegacy(value: unknown): value is LegacyDeviceSnapshot {
  return isObject(value) && value.v === 'device' && isObject(value.a) && isObject(value.f)
}

/**
 * A device snapshot of the first format (`isLegacyDeviceSnapshot`) in the current one, with the
 * same data; throws for anything else.
 *
 * @example
 * const restored = rules.createState(upgradeDeviceSnapshot(stored))
 */
export function upgradeDeviceSnapshot(snapshot: StateSnapshot): StateSnapshot {
  const old: unknown = JSON.parse(JSON.stringify(snapshot))
  if (!isLegacy(old)) throw new Error('not a tagwise device snapshot of the first format')
  const visit = old.o
  return encodeDeviceSnapshot({
    start: old.s,
    end: old.e,
    seq: old.q,
    accumulators: mapValues(old.a, decodeAccumulator),
    visit: visit && { start: visit.t, path: visit.p, metrics: visit.m },
    traits: old.t,
    fingerprints: old.f,
  })
}
