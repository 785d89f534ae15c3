import type { Json } from './json.ts'

/** Aggregations a metric can use (spec: rules.md, "Metric"). */
export const AGGREGATIONS = [
  'count',
  'sum',
  'min',
  'max',
  'avg',
  'distinct',
  'top',
  'first',
  'last',
  'since_first',
  'since_last',
  'dwell',
  'dwell_max',
] as const
export type Aggregation = (typeof AGGREGATIONS)[number]

/** Aggregations that read `field`. */
export const FIELD_AGGREGATIONS: ReadonlySet<Aggregation> = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'distinct',
  'top',
  'first',
  'last',
])

/** Aggregations whose value is `null` when no event matched. */
export const NULLABLE_AGGREGATIONS: ReadonlySet<Aggregation> = new Set([
  'min',
  'max',
  'avg',
  'top',
  'first',
  'last',
  'since_first',
  'since_last',
  'dwell_max',
])

/** Aggregations whose value moves with time alone (`since_*`, and dwell while a visit is open). */
export const CONTINUOUS_AGGREGATIONS: ReadonlySet<Aggregation> = new Set([
  'since_first',
  'since_last',
  'dwell',
  'dwell_max',
])

/** A JsonLogic expression. */
export type Logic = Json

/** Which events feed a metric; every given condition must hold. */
export interface MetricEvents {
  type?: string | string[]
  event?: string | string[]
  path?: string
  where?: Logic
}

/** A metric definition. */
export interface MetricDef {
  events?: MetricEvents
  agg: Aggregation
  field?: string
  window: string
  description?: string
}

/** Catalog fields every tag may carry. */
export interface TagMeta {
  name?: string
  description?: string
  category?: string
  owner?: string
  status?: 'draft' | 'certified' | 'deprecated'
}

export interface FlagTag extends TagMeta {
  when: Logic
}
export interface TiersTag extends TagMeta {
  tiers: { of: Logic; cuts: number[]; labels: Json[] }
}
export interface CasesTag extends TagMeta {
  cases: { when: Logic; then: Json }[]
  else?: Json
}
export interface ScoreTag extends TagMeta {
  score: { bias?: number; weights: Record<string, number>; threshold?: number }
}
export interface ValueTag extends TagMeta {
  value: Logic
}

/** A tag definition: exactly one of the five kinds. */
export type TagDef = FlagTag | TiersTag | CasesTag | ScoreTag | ValueTag

/** The five tag kinds. */
export type TagKind = 'flag' | 'tiers' | 'cases' | 'score' | 'value'

/** A rules document (spec: rules.md §1). */
export interface RulesDocument {
  version: 1
  session?: { timeoutMinutes?: number }
  categories?: Record<string, string>
  metrics: Record<string, MetricDef>
  tags: Record<string, TagDef>
}

/** The value of a present tag: any JSON value but `null`/`false`/`""`. */
export type TagValue = Json

/** A metric's value: a number, any JSON value (`top`/`first`/`last`), or `null` when undefined. */
export type MetricValue = Json
