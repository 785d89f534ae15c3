// The edge's search for when time units flip between two structural changes: a unit that compares
// one time-growing value with constants (rules/tags/unit-shapes.ts) flips where that value reaches
// or passes a constant, found from the value alone, usually at the first instant tried; units it
// cannot analyse are searched by evaluating them (unit-flips.ts), between the flips found here.
import type { TimeUnit } from './compiled-rules.ts'
import type { Timeline } from './next-change.ts'
import { unitFlips, type UnitFlips } from './unit-flips.ts'

/** The value of `path` at `t`, from the timeline (`metrics.<id>` and `now` are the paths units read). */
function valueReader(timeline: Timeline): (path: string, t: number) => unknown {
  if (timeline.valueAt) return timeline.valueAt.bind(timeline)
  return (path, t) => (path === 'now' ? t : timeline.tagData(t).metrics[path.slice(8)])
}

/**
 * Smallest t in (lo, hi] where `value` reaches `bound` (passes it, when `strict`). The value does
 * not at `lo`, does at `hi`, and never decreases in between (continuous metrics grow with time).
 */
function firstReaching(
  value: (t: number) => unknown,
  lo: number,
  hi: number,
  from: number,
  bound: number,
  strict: boolean,
): number {
  const reached = (t: number) => {
    const v = value(t)
    return typeof v === 'number' && (strict ? v > bound : v >= bound)
  }
  // `since_*`, `now` and an open visit's dwell grow by 1 ms per ms: try where that reaches the
  // bound first, and check it exactly; anything else (a value that grows slower) is bisected.
  const guess = lo + (strict ? Math.floor(bound - from) + 1 : Math.ceil(bound - from))
  if (guess > lo && guess <= hi && reached(guess) && (guess - 1 === lo || !reached(guess - 1)))
    return guess
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2)
    if (reached(mid)) hi = mid
    else lo = mid
  }
  return hi
}

/**
 * Adds to `found` the times in (t0, end] where a threshold unit may change: where its value reaches
 * or passes one of its bounds (a comparison's result only depends on which side of each bound the
 * value is). `false` when the value does not behave as that needs (it is not a number at one end
 * but not null at both, or it decreases): the unit is then searched by evaluation.
 */
function thresholdCrossings(
  value: (t: number) => unknown,
  ends: { first: unknown; last: unknown },
  bounds: readonly number[],
  t0: number,
  end: number,
  found: Set<number>,
): boolean {
  const { first, last } = ends
  if (typeof first !== 'number' || typeof last !== 'number') return first === last
  if (last < first) return false
  for (const bound of bounds) {
    if (first < bound && bound <= last)
      found.add(firstReaching(value, t0, end, first, bound, false))
    if (first <= bound && bound < last) found.add(firstReaching(value, t0, end, first, bound, true))
  }
  return true
}

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
  const read = valueReader(timeline)
  const plan = planOf(timeline.units)
  const found = new Set<number>()
  let searched = plan.searched
  for (const { path, bounds, units } of plan.thresholds) {
    const value = (t: number) => read(path, t)
    const ends = { first: value(t0), last: value(end) }
    if (!thresholdCrossings(value, ends, bounds, t0, end, found)) searched = [...searched, ...units]
  }
  const computed = [...found].sort((x, y) => x - y)
  if (searched.length === 0) return computed
  // The others are searched between the computed flips: a value that moves only once a condition
  // flipped (`{"if": [{"<=": [s, 60000]}, s, 0]}`) then moves over a whole part.
  const rest = { ...timeline, units: searched }
  const bounds = [t0, ...computed, end + 1]
  for (let i = 0; i + 1 < bounds.length; i++)
    for (const t of unitFlips(rest, bounds[i]!, bounds[i + 1]! - 1)) found.add(t)
  return [...found].sort((x, y) => x - y)
}
