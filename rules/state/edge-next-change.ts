// The edge's search for `nextChangeAt` (next-change.ts): metric values followed from `now` by
// folding again only what moves (metric-timeline.ts), flips of threshold units computed from the
// value they compare (threshold-flips.ts), and at each instant checked, only the tags that read
// something that moved evaluated again, in one tag data kept for the whole search, until the first
// that differs from its value at `now`.
import type { TagValue } from '../document/document.ts'
import type { CompiledMetric } from '../metric/compile-metric.ts'
import type { CompiledTag } from '../tags/compile-tag.ts'
import type { TagData } from '../tags/slots.ts'
import type { CompiledRules, TimeUnit } from './compiled-rules.ts'
import { metricTimeline } from './metric-timeline.ts'
import { nextChangeAt } from './next-change.ts'
import { thresholdFlips } from './threshold-flips.ts'
import type { StateView } from './window-fold.ts'

/** A tag's value as the state keeps it (`undefined`: absent), evaluated over `data`. */
export type TagValueOf = (tag: CompiledTag, data: TagData) => TagValue | undefined

/** What each tag (in evaluation order) reads that can move: time, metrics, earlier tags. */
interface TagReads {
  /** It is evaluated here (on a device, tags evaluated elsewhere keep their durable value). */
  evaluated: boolean
  /** It reads `now` or a continuous metric, or such a tag (it has time units). */
  time: boolean
  /** Indexes (in the search's metrics) of the metrics it reads. */
  metrics: number[]
  /** Indexes of the tags it reads. */
  tags: number[]
}

/** What the search needs of the compiled rules, for the edge's scope or the device's. */
interface SearchPlan {
  units: readonly TimeUnit[]
  metrics: readonly CompiledMetric[]
  /** Where each of `metrics` sits in the tag data's `v`. */
  metricSlots: number[]
  /** Each of `metrics` by id, for the units' thresholds (`metrics.<id>`). */
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
  const timeTags = new Set(units.map((unit) => unit.tag))
  const tagIndex = new Map(compiled.tags.map((tag, i) => [tag.id, i]))
  const reads = compiled.tags.map((tag): TagReads => {
    const info = compiled.info.get(tag.id)!
    return {
      evaluated: !device || tag.onDevice,
      time: timeTags.has(tag.id),
      // A metric outside the search's (on a device, a window the edge keeps) holds still.
      metrics: info.metrics.flatMap((id) => metricIndex.get(id) ?? []),
      tags: info.tags.map((id) => tagIndex.get(id)!),
    }
  })
  const plan: SearchPlan = {
    units,
    metrics,
    metricSlots: metrics.map((metric) => compiled.slots.metric(metric.id)),
    metricIndex,
    reads,
    firstTagSlot: compiled.slots.tag(compiled.tags[0]?.id ?? ''),
  }
  if (device) byScope.device = plan
  else byScope.edge = plan
  return plan
}

/** Whether two tag values are equal (`null`: absent; values are JSON). */
const sameValue = (a: TagValue | null, b: TagValue | null) =>
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
  const atNow = tags.map((tag) => data.tags[tag.id] ?? null)

  // The tag data at the instant checked last: a copy of `data` where only what moved is written.
  let later: TagData | undefined
  /** Which tags read something that moved, for `movedSeen` moved metrics. */
  const stale: boolean[] = []
  let movedSeen = -1
  /**
   * Writes the tag data at `t` and evaluates the tags that may differ from `now`; with `untilChange`
   * it stops at the first that differs. Whether one does.
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
    const moved = timeline.moved
    for (const index of moved) {
      const value = timeline.valueAt(index, t)
      metrics[plan.metrics[index]!.id] = value
      v[metricSlots[index]!] = value
    }
    if (moved.length !== movedSeen) {
      movedSeen = moved.length
      const isMoved = new Set(moved)
      for (let i = 0; i < reads.length; i++) {
        const { evaluated, time, metrics, tags: read } = reads[i]!
        stale[i] =
          evaluated &&
          (time || metrics.some((m) => isMoved.has(m)) || read.some((tag) => stale[tag]))
      }
    }
    later.now = t
    v[compiled.slots.now] = t
    let changed = false
    // Tags read only earlier tags: those not evaluated again still hold their value at `now`.
    for (let i = 0; i < tags.length; i++) {
      if (!stale[i]) continue
      const tag = tags[i]!
      const value = valueOf(tag, later) ?? null
      later.tags[tag.id] = value
      v[firstTagSlot + i] = value
      if (!changed && !sameValue(value, atNow[i]!)) {
        changed = true
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
        const index = plan.metricIndex.get(path.slice(8))
        if (index === undefined) return null
        timeline.reach(t)
        return timeline.valueAt(index, t)
      },
    },
    thresholdFlips,
  )
}
