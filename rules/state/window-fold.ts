import type { Accumulator } from '../aggregate/accumulator.ts'
import type { CompiledRules } from './compiled-rules.ts'
import type { CompiledMetric } from '../metric/compile-metric.ts'
import type { MetricValue } from '../document/document.ts'
import type { Session } from './sessions.ts'
import type { ProfileData } from './state-data.ts'
import type { Visit } from './visits.ts'
import { bucketExpiry, bucketOf, lowestBucket } from '../metric/window.ts'

/** What folding a profile's windows reads: the compiled rules, the state's data and its visits. */
export interface StateView {
  compiled: CompiledRules
  data: ProfileData
  visits: Visit[]
}

/** The metric's accumulators inside its window at `now`, folded into a fresh accumulator. */
export function windowAcc(
  view: StateView,
  metric: CompiledMetric,
  now: number,
  session: Session | undefined,
): Accumulator {
  const { aggregator, window, id } = metric
  const acc = aggregator.create()
  if (window.kind === 'lifetime') {
    const stored = view.data.lifetime[id]
    if (stored) aggregator.merge(acc, stored)
  } else if (window.kind === 'session') {
    const stored = session?.accumulators[id]
    if (stored) aggregator.merge(acc, stored)
  } else {
    const buckets = view.data.buckets
    const { indices, accumulators } = buckets
    const group = buckets.groupOf(id)
    const lo = lowestBucket(now, window.bucketMs)
    const hi = bucketOf(now, window.bucketMs)
    for (let at = buckets.groupStart(group); at < buckets.groupEnd(group); at++) {
      const index = indices[at]!
      if (index >= lo && index <= hi) aggregator.merge(acc, accumulators[at]!)
    }
  }
  // A session window holds no visit when no session is current: the visits, which reading builds
  // from the page timeline, are not needed (`tagwise eval` reads every profile once, and most
  // have no current session at `now`).
  if (metric.dwell && (window.kind !== 'session' || session !== undefined)) {
    for (const visit of view.visits) {
      if (
        !visit.metrics.includes(id) ||
        visit.start > now ||
        !inWindow(metric, visit.start, now, session)
      )
        continue
      let dwell = visit.dwell
      if (dwell === null) {
        // Only the latest visit is open; it counts while its session is current.
        if (!session || visit.start < session.start) continue
        dwell = Math.min(now - visit.start, view.compiled.timeout)
      }
      aggregator.add(acc, { value: dwell, ts: visit.start, seq: 0 })
    }
  }
  return acc
}

/**
 * The metric's value at `now`, as `aggregator.value(windowAcc(...), now)` reads it, without the
 * fresh accumulator and merges when the window holds no accumulator, or only one that its
 * aggregation reads as it is: `tagwise eval` reads every metric of every profile once.
 */
export function windowValue(
  view: StateView,
  metric: CompiledMetric,
  now: number,
  session: Session | undefined,
): MetricValue {
  const { aggregator, window, id } = metric
  if (metric.dwell) return aggregator.value(windowAcc(view, metric, now, session), now)
  let only: Accumulator | undefined
  if (window.kind === 'lifetime') only = view.data.lifetime[id]
  else if (window.kind === 'session') only = session?.accumulators[id]
  else {
    const buckets = view.data.buckets
    const { indices, accumulators } = buckets
    const group = buckets.groupOf(id)
    const lo = lowestBucket(now, window.bucketMs)
    const hi = bucketOf(now, window.bucketMs)
    // Folded in windowAcc's order once a second bucket is inside the window.
    let folded: Accumulator | undefined
    for (let at = buckets.groupStart(group); at < buckets.groupEnd(group); at++) {
      const index = indices[at]!
      if (!(index >= lo && index <= hi)) continue
      if (folded) aggregator.merge(folded, accumulators[at]!)
      else if (only === undefined) only = accumulators[at]
      else {
        folded = aggregator.create()
        aggregator.merge(folded, only)
        aggregator.merge(folded, accumulators[at]!)
      }
    }
    if (folded) return aggregator.value(folded, now)
  }
  if (only === undefined) return aggregator.value(aggregator.empty, now)
  if (aggregator.readsAlone) return aggregator.value(only, now)
  const acc = aggregator.create()
  aggregator.merge(acc, only)
  return aggregator.value(acc, now)
}

function inWindow(
  metric: CompiledMetric,
  ts: number,
  now: number,
  session: Session | undefined,
): boolean {
  const window = metric.window
  if (window.kind === 'lifetime') return true
  if (window.kind === 'session')
    return session !== undefined && ts >= session.start && ts <= session.end
  const index = bucketOf(ts, window.bucketMs)
  return index >= lowestBucket(now, window.bucketMs) && index <= bucketOf(now, window.bucketMs)
}

/**
 * Earliest time after `t` at which the metric's value jumps (a bucket leaves its window, the
 * session it counts in ends, an open visit reaches the dwell cap), or `Infinity`. `session` is the
 * current session at `t`.
 */
export function nextJump(
  view: StateView,
  metric: CompiledMetric,
  t: number,
  session: Session | undefined,
): number {
  const { timeout } = view.compiled
  const { window, dwell, id } = metric
  let next = Infinity
  if (session && (window.kind === 'session' || dwell)) next = session.end + timeout
  if (window.kind === 'sliding') {
    const lo = lowestBucket(t, window.bucketMs)
    const buckets = view.data.buckets
    const group = buckets.groupOf(id)
    // Buckets at or after `lo` leave the window after `t`: the oldest of them leaves first.
    let oldest = Infinity
    for (let at = buckets.groupStart(group); at < buckets.groupEnd(group); at++) {
      const index = buckets.indices[at]!
      if (index >= lo && index < oldest) oldest = index
    }
    if (dwell)
      for (const visit of view.visits)
        if (visit.metrics.includes(id)) {
          const index = bucketOf(visit.start, window.bucketMs)
          if (index >= lo && index < oldest) oldest = index
        }
    if (oldest < Infinity) next = Math.min(next, bucketExpiry(oldest, window.bucketMs))
  }
  if (dwell)
    for (const visit of view.visits)
      if (visit.dwell === null && visit.metrics.includes(id) && visit.start + timeout > t)
        next = Math.min(next, visit.start + timeout)
  return next
}
