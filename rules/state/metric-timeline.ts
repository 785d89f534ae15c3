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
  /** Every metric's value at `t` (not before the last time given to `structural`). */
  metricsAt(t: number): Record<string, MetricValue>
  /** One metric's value at `t` (likewise). */
  valueAt(id: string, t: number): MetricValue
  /** The metrics whose value may differ from theirs at `now` (continuous ones, and any folded again). */
  readonly moved: ReadonlySet<string>
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
  const continuous = metrics.filter((metric) => metric.continuous)
  const moved = new Set(continuous.map((metric) => metric.id))

  // The segment: values at `from`, and when each metric jumps next. A sliding window's buckets
  // leave it only at bucket boundaries, so until one is near, the next boundary stands in for its
  // jump (`exact` false): finding the oldest bucket means listing them all.
  let from = now
  let values = atNow
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
  for (let i = 0; i < metrics.length; i++) plan(i, now)
  /** The earliest jump: stand-ins at or before it are replaced by the metric's jump first. */
  const segmentEnd = () => {
    for (;;) {
      let end = Infinity
      for (let i = 0; i < metrics.length; i++) if (exact[i] && jumps[i]! < end) end = jumps[i]!
      const near = jumps.findIndex((jump, i) => !exact[i] && jump <= end)
      if (near < 0) return end
      jumps[near] = nextJump(view, metrics[near]!, from, session)
      exact[near] = true
    }
  }
  /** When the segment ends; unknown after a move until asked. */
  let end: number | undefined = segmentEnd()

  /** Moves the segment's start to `t`: folds again the metrics that jumped (or may have) by then. */
  const advance = (t: number) => {
    if (t === from) return
    session = sessionAt(t)
    values = { ...values }
    for (let i = 0; i < metrics.length; i++) {
      const metric = metrics[i]!
      const jumped = jumps[i]! <= t
      if (!jumped && !metric.continuous) continue
      values[metric.id] = fold(metric, t, session)
      moved.add(metric.id)
      if (jumped) plan(i, t)
    }
    from = t
    end = undefined
  }
  const at = (t: number) => {
    if (t > from && t >= (end ??= segmentEnd())) advance(t)
    return t === from ? undefined : sessionAt(t)
  }

  return {
    structural(t) {
      advance(t)
      end ??= segmentEnd()
      return end === Infinity ? null : end
    },
    metricsAt(t) {
      const probe = at(t)
      if (t === from) return values
      const out = { ...values }
      for (const metric of continuous) out[metric.id] = fold(metric, t, probe)
      return out
    },
    valueAt(id, t) {
      const probe = at(t)
      const metric = t === from ? undefined : continuous.find((m) => m.id === id)
      return metric ? fold(metric, t, probe) : (values[id] ?? null)
    },
    moved,
  }
}
