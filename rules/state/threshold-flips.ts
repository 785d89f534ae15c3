// The edge's search for when time units flip between two structural changes: a unit that compares
// one time-growing value with constants (rules/tags/unit-shapes.ts) flips where that value reaches
// or passes a constant, found from the value alone, usually at the first instant tried; units it
// cannot analyse are searched by evaluating them (unit-flips.ts), between the flips found here.
import type { TimeUnit } from './compiled-rules.ts'
import type { Timeline } from './next-change.ts'
import { unitFlips, type UnitFlips } from './unit-flips.ts'

/** The value of `path` at `t`, from the timeline (`metrics.<id>` and `now` are the paths units read). */
function valueAt(timeline: Timeline, path: string, t: number): unknown {
  if (timeline.valueAt) return timeline.valueAt(path, t)
  return path === 'now' ? t : timeline.tagData(t).metrics[path.slice(8)]
}

/** Whether the value of `path` at `t` reaches `bound` (passes it, when `strict`). */
function reaches(timeline: Timeline, path: string, t: number, bound: number, strict: boolean) {
  const value = valueAt(timeline, path, t)
  return typeof value === 'number' && (strict ? value > bound : value >= bound)
}

// Module-level functions, not closures made per search: see metric-timeline.ts on why.

/**
 * Smallest t in (lo, hi] where the value of `path` reaches `bound` (passes it, when `strict`). The
 * value does not at `lo` (where it is `from`), does at `hi`, and never decreases in between
 * (continuous metrics grow with time).
 */
function firstReaching(
  timeline: Timeline,
  path: string,
  lo: number,
  hi: number,
  from: number,
  bound: number,
  strict: boolean,
): number {
  // `since_*`, `now` and an open visit's dwell grow by 1 ms per ms: try where that reaches the
  // bound first, and check it exactly; anything else (a value that grows slower) is bisected.
  const guess = lo + (strict ? Math.floor(bound - from) + 1 : Math.ceil(bound - from))
  if (
    guess > lo &&
    guess <= hi &&
    reaches(timeline, path, guess, bound, strict) &&
    (guess - 1 === lo || !reaches(timeline, path, guess - 1, bound, strict))
  )
    return guess
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2)
    if (reaches(timeline, path, mid, bound, strict)) hi = mid
    else lo = mid
  }
  return hi
}

/**
 * Adds to `found` the times in (t0, end] where a threshold unit over `path` may change: where its
 * value reaches or passes one of its bounds (a comparison's result only depends on which side of
 * each bound the value is). `false` when the value does not behave as that needs (it is not a
 * number at one end but not null at both, or it decreases): the unit is then searched by
 * evaluation.
 */
function thresholdCrossings(
  timeline: Timeline,
  path: string,
  bounds: readonly number[],
  t0: number,
  end: number,
  found: Set<number>,
): boolean {
  const first = valueAt(timeline, path, t0)
  const last = valueAt(timeline, path, end)
  if (typeof first !== 'number' || typeof last !== 'number') return first === last
  if (last < first) return false
  for (const bound of bounds) {
    if (first < bound && bound <= last)
      found.add(firstReaching(timeline, path, t0, end, first, bound, false))
    if (first <= bound && bound < last)
      found.add(firstReaching(timeline, path, t0, end, first, bound, true))
  }
  return true
}

const ascending = (x: number, y: number) => x - y

/** A document's units as the search takes them: by the value they compare, or to evaluate. */
interface UnitPlan {
  /** Each value the threshold units compare, with every bound (once) and those units. */
  thresholds: { path: string; bounds: number[]; units: TimeUnit[] }[]
  /** The units to search by evaluating them. */
  searched: TimeUnit[]
}

const plans = new WeakMap<readonly TimeUnit[], UnitPlan>()

function planOf(units: readonly TimeUnit[]): UnitPlan {
  let plan = plans.get(units)
  if (plan) return plan
  const byPath = new Map<string, { path: string; bounds: number[]; units: TimeUnit[] }>()
  const searched: TimeUnit[] = []
  for (const unit of units) {
    const shape = unit.shape
    if (shape?.kind === 'steady') continue
    if (shape?.kind !== 'threshold') {
      searched.push(unit)
      continue
    }
    let entry = byPath.get(shape.path)
    if (!entry) byPath.set(shape.path, (entry = { path: shape.path, bounds: [], units: [] }))
    for (const bound of shape.bounds) if (!entry.bounds.includes(bound)) entry.bounds.push(bound)
    entry.units.push(unit)
  }
  plans.set(units, (plan = { thresholds: [...byPath.values()], searched }))
  return plan
}

/** Times in (t0, end] where some unit may change, ascending (see {@link UnitFlips}). */
export const thresholdFlips: UnitFlips = (timeline, t0, end) => {
  const plan = planOf(timeline.units)
  const found = new Set<number>()
  let searched = plan.searched
  for (const { path, bounds, units } of plan.thresholds)
    if (!thresholdCrossings(timeline, path, bounds, t0, end, found))
      searched = [...searched, ...units]
  const computed = [...found].sort(ascending)
  if (searched.length === 0) return computed
  // The others are searched between the computed flips: a value that moves only once a condition
  // flipped (`{"if": [{"<=": [s, 60000]}, s, 0]}`) then moves over a whole part.
  // (A timeline may be a class instance: its methods are not own properties to spread.)
  const rest: Timeline = {
    units: searched,
    structural: (t) => timeline.structural(t),
    tagsKey: (t) => timeline.tagsKey(t),
    tagData: (t) => timeline.tagData(t),
  }
  const bounds = [t0, ...computed, end + 1]
  for (let i = 0; i + 1 < bounds.length; i++)
    for (const t of unitFlips(rest, bounds[i]!, bounds[i + 1]! - 1)) found.add(t)
  return [...found].sort(ascending)
}
