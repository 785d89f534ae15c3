// The device state and its snapshot. The browser SDK keeps the snapshot in IndexedDB (or
// localStorage), the mini-program in wx storage, and saves it after every event; it crosses no
// network. On disk it is the data itself, readable, with its format and version: nothing to encode
// or decode on the device's hot path, and no codec in the SDK's core. Snapshots of the first format
// (`v: 'device'`, one-letter keys), which browsers hold from earlier SDKs, are upgraded once by
// `upgradeDeviceSnapshot` (legacy-device-snapshot.ts): a module the SDK loads only when it finds one.
import type { Accumulator } from '../aggregate/accumulator.ts'
import type { StateSnapshot } from '../api.ts'
import { cloneJson, isObject, type Json } from '../document/json.ts'

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

/** {@link DeviceData} on disk. A later, incompatible format takes a new `version`. */
interface DeviceSnapshot extends DeviceData {
  format: 'device'
  version: 2
}

/** The snapshot of `data`: a copy, as JSON, that later changes to `data` do not touch. */
export function encodeDeviceSnapshot(data: DeviceData): StateSnapshot {
  const snapshot: DeviceSnapshot = { format: 'device', version: 2, ...data }
  return JSON.parse(JSON.stringify(snapshot)) as StateSnapshot
}

function isDeviceSnapshot(value: unknown): value is DeviceSnapshot {
  return (
    isObject(value) &&
    value.format === 'device' &&
    value.version === 2 &&
    isObject(value.accumulators) &&
    isObject(value.fingerprints)
  )
}

/**
 * The data of a snapshot (its own copy); throws for anything that is not a device snapshot of this
 * format (one of the first format must be upgraded first: {@link isLegacyDeviceSnapshot}).
 */
export function decodeDeviceSnapshot(snapshot: StateSnapshot): DeviceData {
  const copy: unknown = cloneJson(snapshot)
  if (!isDeviceSnapshot(copy)) throw new Error('not a tagwise device snapshot')
  const { format: _format, version: _version, ...data } = copy
  return data
}

/** Whether `snapshot` is a device snapshot of the first format, for `upgradeDeviceSnapshot`. */
export const isLegacyDeviceSnapshot = (snapshot: unknown): boolean =>
  isObject(snapshot) && snapshot.v === 'device'
