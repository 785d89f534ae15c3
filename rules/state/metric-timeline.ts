// A profile's metric values at later instants with no new event, for the search for
// `nextChangeAt`: computed from the values at `now` by folding again only what moves.
import type { MetricValue } from '../document/document.ts'
import type { CompiledMetric } from '../metric/compile-metric.ts'
import { bucketOf } from '../metric/window.ts'
import { currentSession, type Session } from './sessions.ts'
import { nextJump, windowAcc, type StateView } from './window-fold.ts'

/** Metric values along time, from one instant on (see {@link metricTimeline}). */
export interface MetricTimeline {
  /**
   * Earliest time after `t` at which some metric jumps, or `null`. `t` is not before the last
   * time asked: the values before it are no longer needed.
   */
  structural(t: number): number | null
  /**
   * Moves to `t` (not before the last time given to `structural`): folds again the metrics that
   * jumped by then, which join `moved`.
   */
  reach(t: number): void
  /** The value at `t` of the metric at `index` (in the metrics given), after `reach(t)`. */
  valueAt(index: number, t: number): MetricValue
  /**
   * Indexes of the metrics whose value may differ from theirs at `now`: the continuous ones, then
   * those folded again, in the order they started moving (the list only grows).
   */
  readonly moved: readonly number[]
}

/**
 * The values of `metrics` from `now` on, given their values at `now`. Between two jumps (see
 * {@link nextJump}) only the continuous metrics (`since_*`, an open visit's dwell) move, so an
 * instant recomputes just those; at a jump, only the metrics that jump are folded again.
 */
export function metricTimeline(
  view: StateView,
  metrics: readonly CompiledMetric[],
  now: number,
  atNow: Record<string, MetricValue>,
): MetricTimeline {
  const { timeout } = view.compiled
  const sessionAt = (t: number) => currentSession(view.data.sessions, t, timeout)
  const fold = (metric: CompiledMetric, t: number, session: Session | undefined) =>
    metric.aggregator.value(windowAcc(view, metric, t, session), t)
  const count = metrics.length
  const values: MetricValue[] = metrics.map((metric) => atNow[metric.id] ?? null)
  const moved: number[] = []
  const isMoved: boolean[] = []
  for (let i = 0; i < count; i++) if ((isMoved[i] = metrics[i]!.continuous)) moved.push(i)

  // The segment: values at `from`, and when each metric jumps next. A sliding window's buckets
  // leave it only at bucket boundaries, so until one is near, the next boundary stands in for its
  // jump (`exact` false): finding the oldest bucket means listing them all.
  let from = now
  let session = sessionAt(now)
  const jumps: number[] = []
  const exact: boolean[] = []
  const plan = (i: number, t: number) => {
    const metric = metrics[i]!
    const { window } = metric
    exact[i] = window.kind !== 'sliding' || metric.dwell
    if (window.kind === 'sliding' && !metric.dwell)
      jumps[i] = (bucketOf(t, window.bucketMs) + 1) * window.bucketMs
    else jumps[i] = nextJump(view, metric, t, session)
  }
  for (let i = 0; i < count; i++) plan(i, now)
  /** The earliest jump: stand-ins at or before it are replaced by the metric's jump first. */
  const segmentEnd = () => {
    let end = Infinity
    for (let i = 0; i < count; i++) if (exact[i] && jumps[i]! < end) end = jumps[i]!
    for (let i = 0; i < count; i++) {
      if (exact[i] || jumps[i]! > end) continue
      jumps[i] = nextJump(view, metrics[i]!, from, session)
      exact[i] = true
      // An exact jump can only come earlier than the end found so far, never before `from`.
      if (jumps[i]! < end) end = jumps[i]!
    }
    return end
  }
  /** When the segment ends; unknown after a move until asked. */
  let end: number | undefined = segmentEnd()

  /** Moves the segment's start to `t`: folds again the metrics that jumped (or may have) by then. */
  const advance = (t: number) => {
    if (t === from) return
    session = sessionAt(t)
    for (let i = 0; i < count; i++) {
      const metric = metrics[i]!
      const jumped = jumps[i]! <= t
      if (!jumped && !metric.continuous) continue
      values[i] = fold(metric, t, session)
      if (!isMoved[i]) moved.push(i)
      isMoved[i] = true
      if (jumped) plan(i, t)
    }
    from = t
    end = undefined
  }
  // The session at the last instant inside the segment asked for (the instants asked are few).
  let probeAt = now
  let probe = session

  return {
    structural(t) {
      advance(t)
      end ??= segmentEnd()
      return end === Infinity ? null : end
    },
    reach(t) {
      if (t > from && t >= (end ??= segmentEnd())) advance(t)
    },
    valueAt(index, t) {
      const metric = metrics[index]!
      if (t === from || !metric.continuous) return values[index]!
      if (t !== probeAt) probe = sessionAt((probeAt = t))
      return fold(metric, t, probe)
    },
    moved,
  }
}
