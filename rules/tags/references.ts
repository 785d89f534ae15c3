import type { TagInfo } from '../api.ts'
import {
  CONTINUOUS_AGGREGATIONS,
  NULLABLE_AGGREGATIONS,
  type Aggregation,
  type Logic,
  type TagDef,
} from '../document/document.ts'
import { isObject } from '../document/json.ts'
import { logicVars } from '../logic/logic-vars.ts'
import type { Problem } from '../validate/problem.ts'
import { didYouMean } from '../validate/suggest.ts'
import { tagExpressions, tagKind } from './tag-expressions.ts'

/** What a tag reads, found from its expressions' `var` paths and score weights. */
export interface TagReads {
  metrics: Set<string>
  tags: Set<string>
  /** Reads `now`, or a computed path that might. */
  now: boolean
}

/** Metric facts the analysis needs. */
export type MetricFacts = Record<string, { window: string; agg: string }>

/** Tag facts plus what the engine needs to find time-driven changes. */
export interface TagAnalysis extends TagInfo {
  /** Its value can change with time alone between two structural changes (reads `since_*`, dwell, `now`). */
  timeDependent: boolean
}

/** The `var` paths a tag reads, labelled by the expression they appear in. */
function readPaths(def: TagDef): { label: string; paths: string[]; dynamic: boolean }[] {
  const out = tagExpressions(def).map(({ label, rule }) => ({ label, ...logicVars(rule) }))
  if ('score' in def && isObject(def.score.weights)) {
    out.push({ label: 'score.weights', paths: Object.keys(def.score.weights), dynamic: false })
  }
  return out
}

/**
 * Resolves every tag's references (reporting unknown metrics, tags and data roots with suggestions),
 * detects cycles, classifies tags as device- or edge-evaluated, and returns them in evaluation order.
 */
export function analyzeTags(
  tags: Record<string, TagDef>,
  metrics: MetricFacts,
  problems: Problem[],
  allMetricIds: string[] = Object.keys(metrics),
  allTagIds: string[] = Object.keys(tags),
): TagAnalysis[] {
  const reads = new Map<string, TagReads>()
  // Sets, not the id lists: 1,000 tags of 20 paths each, each looked up in a list of 500 metric
  // or 1,000 tag ids, took a tenth of compiling the largest legal document.
  const knownMetrics = new Set(allMetricIds)
  const knownTags = new Set(allTagIds)
  for (const [id, def] of Object.entries(tags)) {
    const r: TagReads = { metrics: new Set(), tags: new Set(), now: false }
    for (const { label, paths, dynamic } of readPaths(def)) {
      const at = `tags.${id}.${label}`
      if (dynamic) {
        for (const m of Object.keys(metrics)) r.metrics.add(m)
        r.now = true
      }
      for (const path of paths) {
        const [root, key] = path.split('.')
        if (root === 'metrics') {
          if (key === undefined) for (const m of Object.keys(metrics)) r.metrics.add(m)
          else if (knownMetrics.has(key)) r.metrics.add(key)
          else
            problems.push({
              path: at,
              message: `unknown metric "${key}"${didYouMean(key, allMetricIds)}`,
            })
        } else if (root === 'tags') {
          if (key === undefined)
            problems.push({
              path: at,
              message: 'read one tag at a time, like "tags.coupon_hunter"',
            })
          else if (key === id)
            problems.push({
              path: at,
              message: `tag "${id}" reads itself: tags form a cycle: ${id} → ${id}`,
            })
          else if (knownTags.has(key)) r.tags.add(key)
          else
            problems.push({
              path: at,
              message: `unknown tag "${key}"${didYouMean(key, allTagIds)}`,
            })
        } else if (root === 'now') {
          r.now = true
        } else if (root !== 'traits' && path !== '') {
          problems.push({
            path: at,
            message: `unknown data path "${path}": tag expressions read metrics.<id>, tags.<id>, traits.<key> or now`,
          })
        }
      }
    }
    reads.set(id, r)
  }
  const order = orderTags(reads, problems)
  const analysis = new Map<string, TagAnalysis>()
  for (const id of order) {
    const r = reads.get(id)!
    const direct = [...r.metrics]
    const device = direct.every((m) => metrics[m]?.window === 'session')
    const timeDependent =
      r.now ||
      direct.some((m) => CONTINUOUS_AGGREGATIONS.has(metrics[m]?.agg as Aggregation)) ||
      [...r.tags].some((t) => analysis.get(t)?.timeDependent)
    analysis.set(id, {
      id,
      kind: tagKind(tags[id]!),
      evaluatedOn: device ? 'device' : 'edge',
      metrics: direct,
      tags: [...r.tags],
      timeDependent,
    })
  }
  return [...analysis.values()]
}

/** Depth-first order (dependencies first, document order otherwise); reports each cycle once. */
function orderTags(reads: Map<string, TagReads>, problems: Problem[]): string[] {
  const order: string[] = []
  const state = new Map<string, 'visiting' | 'done'>()
  const stack: string[] = []
  const visit = (id: string) => {
    const s = state.get(id)
    if (s === 'done') return
    if (s === 'visiting') {
      const cycle = [...stack.slice(stack.indexOf(id)), id]
      problems.push({ path: `tags.${id}`, message: `tags form a cycle: ${cycle.join(' → ')}` })
      return
    }
    state.set(id, 'visiting')
    stack.push(id)
    for (const dep of reads.get(id)?.tags ?? []) if (reads.has(dep)) visit(dep)
    stack.pop()
    state.set(id, 'done')
    order.push(id)
  }
  for (const id of reads.keys()) visit(id)
  return order
}

const COMPARISONS = new Set(['<', '<=', '>', '>=', '==', '!='])

const metricOf = (node: unknown): string | undefined => {
  if (!isObject(node) || !('var' in node)) return undefined
  const arg = Array.isArray(node.var) ? node.var[0] : node.var
  return typeof arg === 'string' && arg.startsWith('metrics.') ? arg.slice(8) : undefined
}

/** Every node of an expression, with its operator and arguments. */
export function* nodes(rule: unknown): Generator<{ op: string; args: unknown[]; node: Logic }> {
  if (Array.isArray(rule)) {
    for (const item of rule) yield* nodes(item)
    return
  }
  if (!isObject(rule)) return
  const keys = Object.keys(rule)
  if (keys.length !== 1) return
  const op = keys[0]!
  const raw = rule[op]
  const args = Array.isArray(raw) ? raw : [raw]
  yield { op, args, node: rule as Logic }
  for (const arg of args) yield* nodes(arg)
}

/**
 * Warnings for comparisons of nullable metrics with no null guard in the same tag: JsonLogic treats
 * `null` as 0 there (`{"<": [null, 1]}` is true), which is rarely what the author meant.
 */
export function nullableWarnings(tags: Record<string, TagDef>, metrics: MetricFacts): Problem[] {
  const warnings: Problem[] = []
  for (const [id, def] of Object.entries(tags)) {
    for (const { label, rule } of tagExpressions(def)) {
      const guarded = new Set<string>()
      const compared = new Set<string>()
      for (const { op, args } of nodes(rule)) {
        if (op === '===' || op === '!==') {
          if (args.some((a) => a === null))
            for (const a of args) if (metricOf(a)) guarded.add(metricOf(a)!)
        } else if (
          op === '!!' ||
          op === '!' ||
          op === 'and' ||
          op === 'if' ||
          op === '?:' ||
          op === 'missing'
        ) {
          for (const a of args) if (metricOf(a)) guarded.add(metricOf(a)!)
        } else if (COMPARISONS.has(op)) {
          for (const a of args) {
            const m = metricOf(a)
            if (m && NULLABLE_AGGREGATIONS.has(metrics[m]?.agg as Aggregation)) compared.add(m)
          }
        }
      }
      for (const m of compared) {
        if (guarded.has(m)) continue
        warnings.push({
          path: `tags.${id}.${label}`,
          message: `metric "${m}" (${metrics[m]!.agg}) is null when no event matched and is compared without a null guard (JsonLogic treats null as 0 there); add {"!==": [{"var": "metrics.${m}"}, null]}`,
        })
      }
    }
  }
  return warnings
}
