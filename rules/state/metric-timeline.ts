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

/** The metrics' indexes by what makes them jump (see {@link nextJump}), and the continuous ones. */
interface Layout {
  /** Session windows (not dwell): they all jump when the session ends. */
  session: number[]
  /** Sliding windows (not dwell): when their oldest bucket leaves the window. */
  sliding: number[]
  /** Dwell metrics: also when an open visit reaches the cap. Lifetime windows never jump. */
  dwell: number[]
  continuous: number[]
}

const layouts = new WeakMap<readonly CompiledMetric[], Layout>()

function layoutOf(metrics: readonly CompiledMetric[]): Layout {
  let layout = layouts.get(metrics)
  if (layout) return layout
  layout = { session: [], sliding: [], dwell: [], continuous: [] }
  metrics.forEach((metric, i) => {
    const kind = metric.window.kind
    if (metric.dwell) layout!.dwell.push(i)
    else if (kind === 'session') layout!.session.push(i)
    else if (kind === 'sliding') layout!.sliding.push(i)
    if (metric.continuous) layout!.continuous.push(i)
  })
  layouts.set(metrics, layout)
  return layout
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
  const layout = layoutOf(metrics)
  const sessionAt = (t: number) => currentSession(view.data.sessions, t, timeout)
  const fold = (metric: CompiledMetric, t: number, session: Session | undefined) =>
    metric.aggregator.value(windowAcc(view, metric, t, session), t)
  /** Values at `from` of the metrics in `moved` (the others hold their value at `now`). */
  const values: MetricValue[] = []
  const moved = layout.continuous.slice()
  for (const i of moved) values[i] = atNow[metrics[i]!.id] ?? null
  const isMoved: boolean[] = metrics.map((metric) => metric.continuous)

  // The segment: values at `from`, and when each metric jumps next (`jumps`, by index, for the
  // sliding and dwell ones; the session's end for the session ones). A sliding window's buckets
  // leave it only at bucket boundaries, so until one is near, the next boundary stands in for its
  // jump (`exact` false): finding the oldest bucket means listing them all.
  let from = now
  let session = sessionAt(now)
  // What nextJump answers for a session window.
  const sessionEnd = () => (session ? session.end + timeout : Infinity)
  let sessionJump = sessionEnd()
  const jumps: number[] = []
  const exact: boolean[] = []
  const standIn = (i: number, t: number) => {
    const { window } = metrics[i]!
    if (window.kind !== 'sliding') return
    jumps[i] = (bucketOf(t, window.bucketMs) + 1) * window.bucketMs
    exact[i] = false
  }
  for (const i of layout.sliding) standIn(i, now)
  for (const i of layout.dwell) jumps[i] = nextJump(view, metrics[i]!, now, session)
  /** The earliest jump: stand-ins at or before it are replaced by the metric's jump first. */
  const segmentEnd = () => {
    let end = sessionJump
    for (const i of layout.dwell) if (jumps[i]! < end) end = jumps[i]!
    for (const i of layout.sliding) if (exact[i] && jumps[i]! < end) end = jumps[i]!
    for (const i of layout.sliding) {
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
    const foldAt = (i: number) => {
      values[i] = fold(metrics[i]!, t, session)
      if (!isMoved[i]) moved.push(i)
      isMoved[i] = true
    }
    // Continuous metrics move anyway; folded once, even when they jump too.
    for (const i of layout.continuous) foldAt(i)
    if (sessionJump <= t) {
      for (const i of layout.session) if (!metrics[i]!.continuous) foldAt(i)
      sessionJump = sessionEnd()
    }
    for (const i of layout.sliding) {
      if (jumps[i]! > t) continue
      if (!metrics[i]!.continuous) foldAt(i)
      standIn(i, t)
    }
    for (const i of layout.dwell) {
      if (jumps[i]! > t) continue
      if (!metrics[i]!.continuous) foldAt(i)
      jumps[i] = nextJump(view, metrics[i]!, t, session)
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
      if (!isMoved[index]) return atNow[metric.id] ?? null
      if (t === from || !metric.continuous) return values[index]!
      if (t !== probeAt) probe = sessionAt((probeAt = t))
      return fold(metric, t, probe)
    },
    moved,
  }
}
