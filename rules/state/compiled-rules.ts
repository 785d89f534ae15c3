import type { TagInfo } from '../api.ts'
import type { CompiledMetric } from '../metric/metric.ts'
import type { CompiledTag, Slots, TagData } from '../tags/compile-tag.ts'

/** A time-dependent expression node (a comparison over `since_*`, dwell or `now`) of a tag. */
export interface TimeUnit {
  tag: string
  evaluate(data: TagData): unknown
}

/** The compiled rules a state runs on (built by `compileRules`). */
export interface Core {
  metrics: CompiledMetric[]
  /** The metrics an event of this type and name could feed. */
  route: (type: string, name: unknown) => CompiledMetric[]
  tags: CompiledTag[]
  slots: Slots
  info: Map<string, TagInfo>
  timeout: number
  units: TimeUnit[]
}
