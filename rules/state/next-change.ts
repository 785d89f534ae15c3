import { MAX_WINDOW_MS } from '../metric/window.ts'

/** What the search for the next change needs from a profile state. */
export interface Timeline {
  /** Earliest time after `t` at which a metric jumps (a bucket leaves a window, a session ends, a dwell cap is reached), or `null`. */
  structural(t: number): number | null
  /** A key of the tags at time `t` (equal keys = equal tags). */
  tagsKey(t: number): string
  /**
   * Keys of the time-dependent expression nodes (comparisons over `since_*`, open dwell, `now`)
   * at time `t`, for times between two structural changes; empty when there are none.
   */
  unitKeys(t: number): string[]
}

/** Structural steps examined before giving up and answering conservatively. */
const MAX_STEPS = 64

/**
 * The earliest time after `now` at which some tag changes with no new event, or `null` when no tag
 * ever will.
 *
 * Between two structural changes every metric is constant or grows linearly with time, and each
 * comparison over such a value flips at most once, so a bisection per comparison finds its flip
 * exactly; each candidate (flip or structural change) is then checked by evaluating the tags there.
 * After {@link MAX_STEPS} structural steps without a change, that step's time is returned: an early
 * answer only costs the caller one extra wake-up.
 */
export function nextChangeAt(now: number, timeline: Timeline): number | null {
  const base = timeline.tagsKey(now)
  let t0 = now
  for (let step = 0; step < MAX_STEPS; step++) {
    const s = timeline.structural(t0)
    const end = (s ?? t0 + MAX_WINDOW_MS) - 1
    for (const t of flips(timeline, t0, end)) if (timeline.tagsKey(t) !== base) return t
    if (s === null) return null
    if (timeline.tagsKey(s) !== base || step === MAX_STEPS - 1) return s
    t0 = s
  }
  return null
}

/** Refinement rounds: each one splits the interval where the previous found flips. */
const ROUNDS = 3

/**
 * Times in (t0, end] where some unit changes, ascending. A unit flips at most once while the
 * comparisons inside it hold still, so after a first bisection over the whole interval, each
 * segment between two found flips is searched again: that finds values that move only once a
 * condition flipped (`{"if": [{"<=": [s, 60000]}, s, 0]}` against a tier cut).
 */
function flips(timeline: Timeline, t0: number, end: number): number[] {
  const found = new Set<number>()
  let bounds = [t0, end + 1]
  for (let round = 0; round < ROUNDS; round++) {
    const before = found.size
    for (let i = 0; i + 1 < bounds.length; i++) {
      const a = bounds[i]!
      const b = bounds[i + 1]! - 1
      if (b <= a) continue
      const start = timeline.unitKeys(a)
      if (start.length === 0) return []
      const next = timeline.unitKeys(a + 1)
      const last = timeline.unitKeys(b)
      for (let u = 0; u < start.length; u++) {
        // A value that moves right away (a `value` tag returning since_last) may come back to
        // where it started by the end of the segment; its first millisecond catches it.
        if (next[u] !== start[u]) found.add(a + 1)
        else if (start[u] !== last[u]) found.add(bisect(timeline, u, a, b, start[u]!))
      }
    }
    if (found.size === before) break
    bounds = [t0, ...[...found].sort((x, y) => x - y), end + 1] // every flip is in (t0, end]
  }
  return [...found].sort((x, y) => x - y)
}

/** Smallest t in (lo, hi] where unit `u` no longer has key `k0` (it has at hi). */
function bisect(timeline: Timeline, u: number, lo: number, hi: number, k0: string): number {
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2)
    if (timeline.unitKeys(mid)[u] === k0) lo = mid
    else hi = mid
  }
  return hi
}
