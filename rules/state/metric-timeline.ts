// A profile's metric values at later instants with no new event, for the search for
// `nextChangeAt`: computed from the values at `now` by folding again only what moves.
//
// One timeline per search plan (edge-next-change.ts), started again for each search rather than
// made for it: see EdgeSearch on why.
import type { MetricValue } from '../document/document.ts'
import type { CompiledMetric } from '../metric/compile-metric.ts'
import { bucketOf } from '../metric/window.ts'
import { currentSession, type Session } from './sessions.ts'
import { nextJump, windowAcc, type StateView } from './window-fold.ts'

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

function layoutOf(metrics: readonly CompiledMetric[]): Layout {
  const layout: Layout = { session: [], sliding: [], dwell: [], continuous: [] }
  metrics.forEach((metric, i) => {
    const kind = metric.window.kind
    if (metric.dwell) layout.dwell.push(i)
    else if (kind === 'session') layout.session.push(i)
    else if (kind === 'sliding') layout.sliding.push(i)
    if (metric.continuous) layout.continuous.push(i)
  })
  return layout
}

/**
 * The values of `metrics` from `now` on, given their values at `now`. Between two jumps (see
 * {@link nextJump}) only the continuous metrics (`since_*`, an open visit's dwell) move, so an
 * instant recomputes just those; at a jump, only the metrics that jump are folded again.
 */
export class MetricTimeline {
  /**
   * Indexes of the metrics whose value may differ from theirs at `now`: the continuous ones, then
   * those folded again, in the order they started moving (the list only grows during a search).
   */
  readonly moved: number[] = []
  private readonly metrics: readonly CompiledMetric[]
  private readonly layout: Layout
  private readonly timeout: number
  /** Values at `from` of the metrics in `moved` (the others hold their value at `now`). */
  private readonly values: MetricValue[] = []
  private readonly isMoved: boolean[] = []
  private readonly jumps: number[] = []
  private readonly exact: boolean[] = []
  // The search's (set by `start`): the profile and the values at `now`. The segment: values at
  // `from`, and when each metric jumps next (`jumps`, by index, for the sliding and dwell ones;
  // `sessionJump` for the session ones). A sliding window's buckets leave it only at bucket
  // boundaries, so until one is near, the next boundary stands in for its jump (`exact` false):
  // finding the oldest bucket means listing them all.
  private view!: StateView
  private atNow!: Record<string, MetricValue>
  private from = 0
  private session: Session | undefined
  private sessionJump = Infinity
  /** When the segment ends; unknown after a move until asked. */
  private end: number | undefined
  // The session at the last instant inside the segment asked for (the instants asked are few).
  private probeAt = 0
  private probe: Session | undefined

  /** A timeline of `metrics` (of rules whose session timeout is `timeout`), to `start`. */
  constructor(metrics: readonly CompiledMetric[], timeout: number) {
    this.metrics = metrics
    this.layout = layoutOf(metrics)
    this.timeout = timeout
  }

  /** Starts following `view`'s metrics from `now`, given their values there. */
  start(view: StateView, now: number, atNow: Record<string, MetricValue>): void {
    const { metrics, layout, moved, isMoved } = this
    this.view = view
    this.atNow = atNow
    moved.length = 0
    for (let i = 0; i < metrics.length; i++) isMoved[i] = metrics[i]!.continuous
    for (const i of layout.continuous) {
      moved.push(i)
      this.values[i] = atNow[metrics[i]!.id] ?? null
    }
    this.from = this.probeAt = now
    this.session = this.probe = this.sessionAt(now)
    this.sessionJump = this.sessionEnd()
    for (const i of layout.sliding) this.standIn(i, now)
    for (const i of layout.dwell) this.jumps[i] = nextJump(view, metrics[i]!, now, this.session)
    this.end = this.segmentEnd()
  }

  /**
   * Earliest time after `t` at which some metric jumps, or `null`. `t` is not before the last
   * time asked: the values before it are no longer needed.
   */
  structural(t: number): number | null {
    this.advance(t)
    const end = (this.end ??= this.segmentEnd())
    return end === Infinity ? null : end
  }

  /**
   * Moves to `t` (not before the last time given to `structural`): folds again the metrics that
   * jumped by then, which join `moved`.
   */
  reach(t: number): void {
    if (t > this.from && t >= (this.end ??= this.segmentEnd())) this.advance(t)
  }

  /** The value at `t` of the metric at `index` (in the metrics given), after `reach(t)`. */
  valueAt(index: number, t: number): MetricValue {
    const metric = this.metrics[index]!
    if (!this.isMoved[index]) return this.atNow[metric.id] ?? null
    if (t === this.from || !metric.continuous) return this.values[index]!
    if (t !== this.probeAt) this.probe = this.sessionAt((this.probeAt = t))
    return this.fold(metric, t, this.probe)
  }

  private sessionAt(t: number): Session | undefined {
    return currentSession(this.view.data.sessions, t, this.timeout)
  }

  /** What nextJump answers for a session window. */
  private sessionEnd(): number {
    return this.session ? this.session.end + this.timeout : Infinity
  }

  private fold(metric: CompiledMetric, t: number, session: Session | undefined): MetricValue {
    return metric.aggregator.value(windowAcc(this.view, metric, t, session), t)
  }

  /** The next bucket boundary after `t`, for a sliding window's jump. */
  private standIn(i: number, t: number): void {
    const { window } = this.metrics[i]!
    if (window.kind !== 'sliding') return
    this.jumps[i] = (bucketOf(t, window.bucketMs) + 1) * window.bucketMs
    this.exact[i] = false
  }

  /** The earliest jump: stand-ins at or before it are replaced by the metric's jump first. */
  private segmentEnd(): number {
    const { jumps, exact, layout } = this
    let end = this.sessionJump
    for (const i of layout.dwell) if (jumps[i]! < end) end = jumps[i]!
    for (const i of layout.sliding) if (exact[i] && jumps[i]! < end) end = jumps[i]!
    for (const i of layout.sliding) {
      if (exact[i] || jumps[i]! > end) continue
      jumps[i] = nextJump(this.view, this.metrics[i]!, this.from, this.session)
      exact[i] = true
      // An exact jump can only come earlier than the end found so far, never before `from`.
      if (jumps[i]! < end) end = jumps[i]!
    }
    return end
  }

  private foldAt(i: number, t: number): void {
    this.values[i] = this.fold(this.metrics[i]!, t, this.session)
    if (!this.isMoved[i]) this.moved.push(i)
    this.isMoved[i] = true
  }

  /** Moves the segment's start to `t`: folds again the metrics that jumped (or may have) by then. */
  private advance(t: number): void {
    if (t === this.from) return
    const { jumps, layout, metrics } = this
    this.session = this.sessionAt(t)
    // Continuous metrics move anyway; folded once, even when they jump too.
    for (const i of layout.continuous) this.foldAt(i, t)
    if (this.sessionJump <= t) {
      for (const i of layout.session) if (!metrics[i]!.continuous) this.foldAt(i, t)
      this.sessionJump = this.sessionEnd()
    }
    for (const i of layout.sliding) {
      if (jumps[i]! > t) continue
      if (!metrics[i]!.continuous) this.foldAt(i, t)
      this.standIn(i, t)
    }
    // Dwell metrics are continuous: folded above.
    for (const i of layout.dwell)
      if (jumps[i]! <= t) jumps[i] = nextJump(this.view, metrics[i]!, t, this.session)
    this.from = t
    this.end = undefined
  }
}
