import type { TagValue } from '../document/document.ts'
import type { Json } from '../document/json.ts'

/** Data a tag expression sees. */
export interface TagData {
  metrics: Record<string, Json>
  tags: Record<string, TagValue | null>
  traits: Record<string, Json>
  now: number
  /**
   * The same metric and tag values (and `now`) in one array, laid out by {@link Slots}: compiled
   * expressions read them by index (`CompileOptions.slot`), which is much faster than by name.
   */
  v: unknown[]
  /**
   * Where an evaluation records the tags whose expression threw, with what they threw (the tag is
   * absent); unset, errors are not recorded (the searches that evaluate many times). The error
   * itself, not its message: a device carries no wording, and the edge puts it in words.
   */
  errors?: Record<string, unknown>
}

/** Where each metric, tag and `now` sits in {@link TagData.v}. */
export interface Slots {
  of(path: string): number | undefined
  metric(id: string): number
  tag(id: string): number
  now: number
  size: number
}

/** Slots for metrics (in order), then tags (in evaluation order), then `now`. */
export function slotsFor(metricIds: readonly string[], tagIds: readonly string[]): Slots {
  const index = new Map<string, number>()
  metricIds.forEach((id, i) => index.set(`metrics.${id}`, i))
  tagIds.forEach((id, i) => index.set(`tags.${id}`, metricIds.length + i))
  const now = metricIds.length + tagIds.length
  index.set('now', now)
  return {
    of: (path) => index.get(path),
    metric: (id) => index.get(`metrics.${id}`)!,
    tag: (id) => index.get(`tags.${id}`)!,
    now,
    size: now + 1,
  }
}
