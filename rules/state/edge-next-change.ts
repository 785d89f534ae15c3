// The edge's search for `nextChangeAt` (next-change.ts): metric values followed from `now` by
// folding again only what moves (metric-timeline.ts), flips of threshold units computed from the
// value they compare (threshold-flips.ts), and at each instant checked, only the tags that read
// something that moved evaluated again.
import type { MetricValue, TagValue } from '../document/document.ts'
import type { TagData } from '../tags/slots.ts'
import type { CompiledRules, TimeUnit } from './compiled-rules.ts'
import { metricTimeline } from './metric-timeline.ts'
import { nextChangeAt } from './next-change.ts'
import { thresholdFlips } from './threshold-flips.ts'
import type { StateView } from './window-fold.ts'

/**
 * Tag values an evaluation may take as they were (in evaluation order, `null` when absent) instead
 * of evaluating the tag: those not `stale`.
 */
export interface TagReuse {
  values: readonly (TagValue | null)[]
  stale: readonly boolean[]
}

/** Evaluates the tags over `metrics` at `t`, reusing what `reuse` allows. */
export type TagsAt = (
  metrics: Record<string, MetricValue>,
  t: number,
  reuse: TagReuse,
) => { data: TagData; present: Record<string, TagValue> }

/** What each tag (in evaluation order) reads that can move: time, metrics, earlier tags. */
interface TagReads {
  /** It reads `now` or a continuous metric, or such a tag (it has time units). */
  time: boolean
  metrics: string[]
  /** Indexes of the tags it reads. */
  tags: number[]
}

const readsCache = new WeakMap<readonly TimeUnit[], TagReads[]>()

/** The reads of the compiled tags; `units` (cached by) names the tags that read time. */
function readsOf(compiled: CompiledRules, units: readonly TimeUnit[]): TagReads[] {
  let reads = readsCache.get(units)
  if (reads) return reads
  const timeTags = new Set(units.map((unit) => unit.tag))
  const index = new Map(compiled.tags.map((tag, i) => [tag.id, i]))
  reads = compiled.tags.map((tag) => {
    const info = compiled.info.get(tag.id)!
    return {
      time: timeTags.has(tag.id),
      metrics: info.metrics,
      tags: info.tags.map((id) => index.get(id)!),
    }
  })
  readsCache.set(units, reads)
  return reads
}

/** Whether two sets of present tags are equal (values are JSON). */
function sameTags(a: Record<string, TagValue>, b: Record<string, TagValue>): boolean {
  const keys = Object.keys(a)
  if (keys.length !== Object.keys(b).length) return false
  for (const key of keys) {
    const x = a[key]
    const y = b[key]
    if (x !== y && (typeof x !== 'object' || JSON.stringify(x) !== JSON.stringify(y))) return false
  }
  return true
}

/**
 * The earliest time after `now` at which some tag changes with no new event, or `null`. `data` and
 * `present` are the evaluation at `now`; `device` limits the search to the device's metrics and
 * tags (`scope: 'device'`).
 */
export function edgeNextChange(
  view: StateView,
  device: boolean,
  now: number,
  data: TagData,
  present: Record<string, TagValue>,
  tagsAt: TagsAt,
): number | null {
  const { compiled } = view
  const units = device
    ? compiled.units.filter((unit) => compiled.info.get(unit.tag)!.evaluatedOn === 'device')
    : compiled.units
  const timeline = metricTimeline(
    view,
    device ? compiled.metrics.filter((m) => m.window.kind === 'session') : compiled.metrics,
    now,
    data.metrics,
  )
  const reads = readsOf(compiled, units)
  const values = compiled.tags.map((tag) => data.tags[tag.id] ?? null)
  let reuse: TagReuse | undefined
  let movedSeen = -1
  const reuseNow = (): TagReuse => {
    const moved = timeline.moved
    if (reuse && moved.size === movedSeen) return reuse
    movedSeen = moved.size
    const stale: boolean[] = []
    for (const { time, metrics, tags } of reads)
      stale.push(time || metrics.some((id) => moved.has(id)) || tags.some((i) => stale[i]))
    return (reuse = { values, stale })
  }
  const at = (t: number) => tagsAt(timeline.metricsAt(t), t, reuseNow())
  return nextChangeAt(
    now,
    {
      structural: (t) => timeline.structural(t),
      // The tags at `now` have the empty key, and so do equal tags; others, their JSON.
      tagsKey: (t) => {
        if (t === now) return ''
        const later = at(t).present
        return sameTags(later, present) ? '' : JSON.stringify(later)
      },
      units,
      tagData: (t) => at(t).data,
      valueAt: (path, t) => (path === 'now' ? t : timeline.valueAt(path.slice(8), t)),
    },
    thresholdFlips,
  )
}
