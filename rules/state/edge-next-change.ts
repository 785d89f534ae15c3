// The edge's search for `nextChangeAt` (next-change.ts): metric values followed from `now` by
// folding again only what moves (metric-timeline.ts), flips of threshold units computed from the
// value they compare (threshold-flips.ts), and at each instant checked, only the tags that read
// something that moved evaluated again, in one tag data kept for the whole search, until the first
// that differs from its value at `now`.
import type { TagValue } from '../document/document.ts'
import type { CompiledMetric } from '../metric/compile-metric.ts'
import type { CompiledTag } from '../tags/compile-tag.ts'
import type { TagData } from '../tags/slots.ts'
import { tagExpressions } from '../tags/tag-expressions.ts'
import { logicVars } from '../logic/logic-vars.ts'
import type { CompiledRules, TimeUnit } from './compiled-rules.ts'
import { MetricTimeline } from './metric-timeline.ts'
import { nextChangeAt, type Timeline } from './next-change.ts'
import { thresholdFlips } from './threshold-flips.ts'
import type { StateView } from './window-fold.ts'

/** A tag's value as the state keeps it (`undefined`: absent), evaluated over `data`. */
export type TagValueOf = (tag: CompiledTag, data: TagData) => TagValue | undefined

/**
 * What a tag (in evaluation order) reads that can move. Its value at an instant equals its value
 * at `now` unless one of these differs there: the tag is then evaluated again.
 */
interface TagReads {
  /** It is evaluated here (on a device, tags evaluated elsewhere keep their durable value). */
  evaluated: boolean
  /** It reads `now` (or a computed path that might), not only through `thresholds`. */
  now: boolean
  /** Indexes (in the search's metrics) of the metrics it reads, not only through `thresholds`. */
  metrics: number[]
  /** Indexes of the tags it reads. */
  tags: number[]
  /**
   * For a tag whose time units all have a shape (unit-shapes.ts: it holds still between flips of
   * its threshold units), those units: where their value sits in `v`, and their bounds. Such a tag
   * reads `now` and continuous metrics only through them, and they keep their result while the
   * value stays on the same side of each bound.
   */
  thresholds: { slot: number; bounds: readonly number[] }[]
}

/** What the search needs of the compiled rules, for the edge's scope or the device's. */
interface SearchPlan {
  units: readonly TimeUnit[]
  metrics: readonly CompiledMetric[]
  /** Where each of `metrics` sits in the tag data's `v`. */
  metricSlots: number[]
  /** Each of `metrics` by path (`metrics.<id>`), for the units' thresholds. */
  metricIndex: Map<string, number>
  reads: TagReads[]
  /** Where the first tag sits in `v` (the others follow, in evaluation order). */
  firstTagSlot: number
  /**
   * Whether a tag evaluated here reads a continuous metric (`since_*`, an open visit's dwell)
   * other than through threshold units: its value may change every millisecond.
   */
  readsContinuous: boolean
}

/** The search plan of `compiled` for a scope. */
function searchPlan(compiled: CompiledRules, device: boolean): SearchPlan {
  const onDevice = (tag: string) => compiled.info.get(tag)!.evaluatedOn === 'device'
  const units = device ? compiled.units.filter((unit) => onDevice(unit.tag)) : compiled.units
  const metrics = device
    ? compiled.metrics.filter((metric) => metric.window.kind === 'session')
    : compiled.metrics
  const metricIndex = new Map(metrics.map((metric, i) => [metric.id, i]))
  const tagIndex = new Map(compiled.tags.map((tag, i) => [tag.id, i]))
  // Each tag's units, grouped once: filtering every unit for every tag took 0.6 s for the
  // largest legal document (1,000 tags), on the first evaluation of each compiled document.
  const unitsOf = new Map<string, TimeUnit[]>()
  for (const unit of units) {
    const own = unitsOf.get(unit.tag)
    if (own) own.push(unit)
    else unitsOf.set(unit.tag, [unit])
  }
  const reads = compiled.tags.map((tag): TagReads => {
    const info = compiled.info.get(tag.id)!
    // A metric outside the search's (on a device, a window the edge keeps) holds still.
    const read = info.metrics.flatMap((id) => metricIndex.get(id) ?? [])
    const own = unitsOf.get(tag.id) ?? []
    const tags = info.tags.map((id) => tagIndex.get(id)!)
    const evaluated = !device || tag.onDevice
    if (own.length > 0 && own.every((unit) => unit.shape !== undefined)) {
      // One entry per value compared, with the bounds of all its units.
      const bySlot = new Map<number, number[]>()
      for (const { shape } of own) {
        if (shape?.kind !== 'threshold') continue
        const slot = compiled.slots.of(shape.path)!
        const bounds = bySlot.get(slot) ?? []
        for (const bound of shape.bounds) if (!bounds.includes(bound)) bounds.push(bound)
        bySlot.set(slot, bounds)
      }
      const thresholds = [...bySlot].map(([slot, bounds]) => ({ slot, bounds }))
      const moving = read.filter((index) => !metrics[index]!.continuous)
      return { evaluated, now: false, metrics: moving, tags, thresholds }
    }
    const now = tagExpressions(tag.def).some(({ rule }) => {
      const { paths, dynamic } = logicVars(rule)
      return dynamic || paths.some((path) => path.split('.')[0] === 'now')
    })
    return { evaluated, now, metrics: read, tags, thresholds: [] }
  })
  return {
    units,
    metrics,
    metricSlots: metrics.map((metric) => compiled.slots.metric(metric.id)),
    metricIndex: new Map(metrics.map((metric, i) => [`metrics.${metric.id}`, i])),
    reads,
    firstTagSlot: compiled.slots.tag(compiled.tags[0]?.id ?? ''),
    readsContinuous: reads.some(
      (read) => read.evaluated && read.metrics.some((index) => metrics[index]!.continuous),
    ),
  }
}

/** Whether a threshold unit's value moved from `a` to `b` across one of its `bounds` (or onto it). */
function crossed(a: unknown, b: unknown, bounds: readonly number[]): boolean {
  if (a === b) return false
  // A unit over a value that is not a number (NaN included) keeps its result only while it is the same.
  if (typeof a !== 'number' || typeof b !== 'number' || a !== a || b !== b) return true
  for (const bound of bounds) if (a < bound !== b < bound || a > bound !== b > bound) return true
  return false
}

/** Whether two tag values are equal (`null`: absent; values are JSON). */
const sameValue = (a: unknown, b: unknown) =>
  a === b ||
  (typeof a === 'object' && typeof b === 'object' && JSON.stringify(a) === JSON.stringify(b))

/**
 * The search's view of a profile from `now` on (the {@link Timeline} that next-change.ts walks):
 * the tag data at an instant is a copy of the evaluation at `now` where only what differs is
 * written.
 *
 * One per search plan, started again for each search (searches do not nest: evaluating a tag
 * never evaluates a profile), rather than objects and closures made for each: V8's optimized code
 * for reading an object's fields depends on the object's layout, which a major GC drops once no
 * object has it, so the search's code ran unoptimized for milliseconds after each major GC (4x
 * its steady time in the rules bench, which collects garbage before each batch). It keeps the
 * last search's profile until the next search.
 */
class EdgeSearch implements Timeline {
  readonly units: readonly TimeUnit[]
  /** See {@link SearchPlan.readsContinuous}. */
  readonly readsContinuous: boolean
  private readonly plan: SearchPlan
  private readonly tags: readonly CompiledTag[]
  private readonly nowSlot: number
  private readonly timeline: MetricTimeline
  /** Per metric (of the plan's), whether its value at the instant checked differs from `now`. */
  private readonly differs: boolean[]
  /** Per tag, whether its value at the instant checked differs from `now`. */
  private readonly changes: boolean[]
  /** Per tag, whether `later` holds a value evaluated at some instant rather than the one at `now`. */
  private readonly written: boolean[]
  // The search's (set by `start`): `now`, the evaluation there, how to evaluate a tag.
  private now = 0
  private data!: TagData
  private valueOf!: TagValueOf
  /** The tag data at the instant checked last: a copy of `data` where what differs is written. */
  private later: TagData | undefined

  constructor(compiled: CompiledRules, plan: SearchPlan) {
    this.plan = plan
    this.units = plan.units
    this.readsContinuous = plan.readsContinuous
    this.tags = compiled.tags
    this.nowSlot = compiled.slots.now
    this.timeline = new MetricTimeline(plan.metrics, compiled.timeout)
    this.differs = plan.metrics.map(() => false)
    this.changes = compiled.tags.map(() => false)
    this.written = compiled.tags.map(() => false)
  }

  /** Starts a search of `view` from `now`, where `data` is its evaluation. */
  start(view: StateView, now: number, data: TagData, valueOf: TagValueOf): void {
    this.timeline.start(view, now, data.metrics)
    this.now = now
    this.data = data
    this.valueOf = valueOf
    this.later = undefined
    this.differs.fill(false)
    this.changes.fill(false)
    this.written.fill(false)
  }

  structural(t: number): number | null {
    return this.timeline.structural(t)
  }

  /** Only compared with the key at `now`: empty when the tags are the same. */
  tagsKey(t: number): string {
    return t !== this.now && this.changesAt(t, true) ? 'changed' : ''
  }

  tagData(t: number): TagData {
    if (t === this.now) return this.data
    this.changesAt(t, false)
    return this.later!
  }

  valueAt(path: string, t: number): unknown {
    if (path === 'now') return t
    const index = this.plan.metricIndex.get(path)
    if (index === undefined) return null
    this.timeline.reach(t)
    return this.timeline.valueAt(index, t)
  }

  /**
   * Writes the tag data at `t` and evaluates the tags that read something that differs from
   * `now`; with `untilChange` it stops at the first tag that differs. Whether one does.
   */
  private changesAt(t: number, untilChange: boolean): boolean {
    const { data, plan, timeline, differs, changes, written, tags } = this
    const { reads, metricSlots, firstTagSlot } = plan
    const atNow = data.v
    const later = (this.later ??= {
      metrics: { ...data.metrics },
      tags: { ...data.tags },
      traits: data.traits,
      now: t,
      v: data.v.slice(),
    })
    const { metrics, v } = later
    timeline.reach(t)
    // Only the metrics that moved can differ; the others hold their value at `now` in `later`.
    for (const index of timeline.moved) {
      const value = timeline.valueAt(index, t)
      const slot = metricSlots[index]!
      metrics[plan.metrics[index]!.id] = value
      v[slot] = value
      // An object value (`top` of objects) counts as different: at worst a tag is evaluated again.
      differs[index] = value !== atNow[slot]
    }
    later.now = t
    v[this.nowSlot] = t
    let changed = false
    // A tag whose reads (`now`, metrics, threshold units, earlier tags) hold their value at `now`
    // has its value at `now`: a continuous metric that holds still (`since_last` with no event)
    // or stays between the same bounds moves none.
    for (let i = 0; i < tags.length; i++) {
      const read = reads[i]!
      let moves = read.evaluated && read.now
      const { metrics: readMetrics, tags: readTags, thresholds } = read
      for (let k = 0; !moves && k < readMetrics.length; k++) moves = differs[readMetrics[k]!]!
      for (let k = 0; !moves && k < readTags.length; k++) moves = changes[readTags[k]!]!
      for (let k = 0; !moves && k < thresholds.length; k++) {
        const { slot, bounds } = thresholds[k]!
        moves = crossed(atNow[slot], v[slot], bounds)
      }
      changes[i] = false
      const tag = tags[i]!
      const slot = firstTagSlot + i
      if (!moves || !read.evaluated) {
        if (written[i]) {
          v[slot] = later.tags[tag.id] = data.tags[tag.id] ?? null
          written[i] = false
        }
        continue
      }
      const value = this.valueOf(tag, later) ?? null
      v[slot] = later.tags[tag.id] = value
      written[i] = true
      if (!sameValue(value, atNow[slot])) {
        changes[i] = changed = true
        if (untilChange) return true
      }
    }
    return changed
  }
}

const searches = new WeakMap<CompiledRules, { edge?: EdgeSearch; device?: EdgeSearch }>()

/** The search of `compiled` for a scope (made once per compiled rules and scope). */
function searchOf(compiled: CompiledRules, device: boolean): EdgeSearch {
  let byScope = searches.get(compiled)
  if (!byScope) searches.set(compiled, (byScope = {}))
  const key = device ? 'device' : 'edge'
  return (byScope[key] ??= new EdgeSearch(compiled, searchPlan(compiled, device)))
}

/**
 * The earliest time after `now` at which some tag changes with no new event, or `null`. `data` is
 * the evaluation at `now` (left as it is); `device` limits the search to the device's metrics and
 * tags (`scope: 'device'`); `valueOf` evaluates a tag as the state does (a function that lives
 * as long as the state: see MetricTimeline on why).
 */
export function edgeNextChange(
  view: StateView,
  device: boolean,
  now: number,
  data: TagData,
  valueOf: TagValueOf,
): number | null {
  const search = searchOf(view.compiled, device)
  search.start(view, now, data, valueOf)
  // The earliest answer there can be, checked first: a tag that changes every millisecond (a value
  // tag that is a `since_*` metric, a score over one) made the search probe about 1,000 instants
  // of its first segment to find it (1.1 s for a visitor of the largest legal document). Timestamps
  // are whole milliseconds, so for a whole `now` no change comes earlier. Only rules with such a
  // tag pay for the probe: for the others it cost every evaluation a tenth more (1.8 → 2.2 times
  // an evaluation without nextChangeAt in the rules bench, the example catalog).
  if (search.readsContinuous && Number.isInteger(now)) {
    if (search.tagsKey(now + 1) !== '') return now + 1
    // Started again: the search moves forward from `now` only.
    search.start(view, now, data, valueOf)
  }
  return nextChangeAt(now, search, thresholdFlips)
}
