import type { TagInfo } from '../api.ts'
import type { CompiledMetric } from '../metric/compile-metric.ts'
import type { ExplainLogic } from '../logic/explain-logic.ts'
import type { CompiledTag } from '../tags/compile-tag.ts'
import type { Slots, TagData } from '../tags/slots.ts'
import type { UnitShape } from '../tags/unit-shapes.ts'

/** A time-dependent expression node (a comparison over `since_*`, dwell or `now`) of a tag. */
export interface TimeUnit {
  tag: string
  evaluate(data: TagData): unknown
  /** How the edge finds its flips without evaluating it (rules/tags/unit-shapes.ts); unset, by evaluating. */
  shape?: UnitShape
}

/** The compiled rules a profile state runs on (built by `loadRules`). */
export interface CompiledRules {
  metrics: CompiledMetric[]
  /** The metrics an event of this type and name could feed. */
  route: (type: string, name: unknown) => CompiledMetric[]
  tags: CompiledTag[]
  slots: Slots
  info: Map<string, TagInfo>
  timeout: number
  units: TimeUnit[]
  /** Explains tag expressions (`ProfileState.explain`). */
  explain: ExplainLogic
}
