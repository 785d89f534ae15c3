// When time-dependent comparisons flip (`{"<=": [{"var": "metrics.since_last_order"}, {"days": 90}]}`,
// a dwell threshold): the part of the search for `nextChangeAt` that documents without such
// comparisons never need. The edge has it built in; a device loads it (rules/device/time-chunk.ts)
// only for rules whose device plan has `units`.
import type { TagData } from '../tags/slots.ts'
import type { TimeUnit } from './compiled-rules.ts'
import type { Timeline } from './next-change.ts'

/** Times in (t0, end] where some unit changes, ascending (see {@link unitFlips}). */
export type UnitFlips = (timeline: Timeline, t0: number, end: number) => number[]

/** Key of a unit's value over `data` (equal keys = equal values; an error is a value of its own). */
function unitKey(unit: TimeUnit, data: TagData): string {
  try {
    return JSON.stringify(unit.evaluate(data)) ?? 'undefined'
  } catch {
    return '!error'
  }
}

/** Keys of the units' values at `t`. */
function unitKeys(timeline: Timeline, t: number): string[] {
  const data = timeline.tagData(t)
  return timeline.units.map((unit) => unitKey(unit, data))
}

/** Refinement rounds: each one splits the interval where the previous found flips. */
const ROUNDS = 3

/**
 * Times in (t0, end] where some unit (a time-dependent expression node) changes, ascending. A unit flips at most once while the
 * comparisons inside it hold still, so after a first bisection over the whole interval, each
 * segment between two found flips is searched again: that finds values that move only once a
 * condition flipped (`{"if": [{"<=": [s, 60000]}, s, 0]}` against a tier cut).
 */
export const unitFlips: UnitFlips = (timeline, t0, end) => {
  if (timeline.units.length === 0) return []
  const found = new Set<number>()
  let bounds = [t0, end + 1]
  for (let round = 0; round < ROUNDS; round++) {
    const before = found.size
    for (let i = 0; i + 1 < bounds.length; i++) {
      const a = bounds[i]!
      const b = bounds[i + 1]! - 1
      if (b <= a) continue
      const start = unitKeys(timeline, a)
      const next = unitKeys(timeline, a + 1)
      const last = unitKeys(timeline, b)
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
    // Unit `u` alone: evaluating every unit at each step made the search quadratic in units.
    if (unitKey(timeline.units[u]!, timeline.tagData(mid)) === k0) lo = mid
    else hi = mid
  }
  return hi
}
