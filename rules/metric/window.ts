/**
 * Metric windows. `session` and `lifetime` are kept as they are; `<n>m|h|d` windows are cut into
 * {@link BUCKETS} fixed time buckets, so a windowed metric's memory is bounded whatever the event
 * rate. The spec allows buckets no wider than 1/60 of the window: an event more than one bucket inside
 * the window always counts, one more than one bucket outside never does.
 */
export type Window =
  { kind: 'session' } | { kind: 'lifetime' } | { kind: 'sliding'; ms: number; bucketMs: number }

/** Buckets per sliding window. */
export const BUCKETS = 60

/** The largest window the spec allows. */
export const MAX_WINDOW_MS = 3650 * 86_400_000

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 }
const SLIDING = /^([1-9]\d{0,6})([mhd])$/

/** Parses a window string; returns an error message instead when it is not valid. */
export function parseWindow(text: unknown): Window | string {
  if (text === 'session') return { kind: 'session' }
  if (text === 'lifetime') return { kind: 'lifetime' }
  const match = typeof text === 'string' ? SLIDING.exec(text) : null
  if (!match) {
    return `expected "session", "lifetime" or "<n>m", "<n>h", "<n>d" with a positive integer n (got ${JSON.stringify(text) ?? 'nothing'})`
  }
  const ms = Number(match[1]) * UNIT_MS[match[2] as string]!
  if (ms > MAX_WINDOW_MS) return `window is longer than the largest allowed, 3650d`
  return { kind: 'sliding', ms, bucketMs: ms / BUCKETS }
}

/** Index of the bucket that holds time `ts`. */
export const bucketOf = (ts: number, bucketMs: number): number => Math.floor(ts / bucketMs)

/**
 * The oldest bucket index inside the window at `now`: buckets `[lowest, bucketOf(now)]` are all
 * entirely inside `(now - window, now]`, and what they miss is less than one bucket wide.
 */
export const lowestBucket = (now: number, bucketMs: number): number =>
  bucketOf(now, bucketMs) - (BUCKETS - 1)

/** When bucket `index` leaves the window. */
export const bucketExpiry = (index: number, bucketMs: number): number =>
  (index + BUCKETS) * bucketMs
