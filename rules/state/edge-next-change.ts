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
import { metricTimeline } from './metric-timeline.ts'
import { nextChangeAt } from './next-change.ts'
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
}

const plans = new WeakMap<CompiledRules, { edge?: SearchPlan; device?: SearchPlan }>()

/** The search plan of `compiled` for a scope (built once per compiled rules and scope). */
function planOf(compiled: CompiledRules, device: boolean): SearchPlan {
  let byScope = plans.get(compiled)
  if (!byScope) plans.set(compiled, (byScope = {}))
  const cached = device ? byScope.device : byScope.edge
  if (cached) return cached
  const onDevice = (tag: string) => compiled.info.get(tag)!.evaluatedOn === 'device'
  const units = device ? compiled.units.filter((unit) => onDevice(unit.tag)) : compiled.units
  const metrics = device
    ? compiled.metrics.filter((metric) => metric.window.kind === 'session')
    : compiled.metrics
  const metricIndex = new Map(metrics.map((metric, i) => [metric.id, i]))
  const tagIndex = new Map(compiled.tags.map((tag, i) => [tag.id, i]))
  const reads = compiled.tags.map((tag): TagReads => {
    const info = compiled.info.get(tag.id)!
    // A metric outside the search's (on a device, a window the edge keeps) holds still.
    const read = info.metrics.flatMap((id) => metricIndex.get(id) ?? [])
    const own = units.filter((unit) => unit.tag === tag.id)
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
  const plan: SearchPlan = {
    units,
    metrics,
    metricSlots: metrics.map((metric) => compiled.slots.metric(metric.id)),
    metricIndex: new Map(metrics.map((metric, i) => [`metrics.${metric.id}`, i])),
    reads,
    firstTagSlot: compiled.slots.tag(compiled.tags[0]?.id ?? ''),
  }
  if (device) byScope.device = plan
  else byScope.edge = plan
  return plan
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
 * The earliest time after `now` at which some tag changes with no new event, or `null`. `data` is
 * the evaluation at `now` (left as it is); `device` limits the search to the device's metrics and
 * tags (`scope: 'device'`); `valueOf` evaluates a tag as the state does.
 */
export function edgeNextChange(
  view: StateView,
  device: boolean,
  now: number,
  data: TagData,
  valueOf: TagValueOf,
): number | null {
  const { compiled } = view
  const plan = planOf(compiled, device)
  const { reads, metricSlots, firstTagSlot } = plan
  const tags = compiled.tags
  const timeline = metricTimeline(view, plan.metrics, now, data.metrics)
  const atNow = data.v

  // The tag data at the instant checked last: a copy of `data` where what differs is written.
  let later: TagData | undefined
  /** Per metric (of the plan's), whether its value at the instant checked differs from `now`. */
  const differs: boolean[] = plan.metrics.map(() => false)
  /** Per tag, whether its value at the instant checked differs from `now`. */
  const changes: boolean[] = []
  /** Per tag, whether `later` holds a value evaluated at some instant rather than the one at `now`. */
  const written: boolean[] = []
  /**
   * Writes the tag data at `t` and evaluates the tags that read something that differs from
   * `now`; with `untilChange` it stops at the first tag that differs. Whether one does.
   */
  const changesAt = (t: number, untilChange: boolean): boolean => {
    later ??= {
      metrics: { ...data.metrics },
      tags: { ...data.tags },
      traits: data.traits,
      now: t,
      v: data.v.slice(),
    }
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
    v[compiled.slots.now] = t
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
      const value = valueOf(tag, later) ?? null
      v[slot] = later.tags[tag.id] = value
      written[i] = true
      if (!sameValue(value, atNow[slot])) {
        changes[i] = changed = true
        if (untilChange) return true
      }
    }
    return changed
  }
  return nextChangeAt(
    now,
    {
      structural: (t) => timeline.structural(t),
      // Only compared with the key at `now`: empty when the tags are the same.
      tagsKey: (t) => (t !== now && changesAt(t, true) ? 'changed' : ''),
      units: plan.units,
      tagData: (t) => {
        if (t === now) return data
        changesAt(t, false)
        return later!
      },
      valueAt: (path, t) => {
        if (path === 'now') return t
        const index = plan.metricIndex.get(path)
        if (index === undefined) return null
        timeline.reach(t)
        return timeline.valueAt(index, t)
      },
    },
    thresholdFlips,
  )
}
