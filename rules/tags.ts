import type { Json } from './json.ts'
import { toNumeric } from './json.ts'
import type { Logic, TagDef, TagKind, TagValue } from './document.ts'
import { explainLogic, truthy, type Evaluate, type ExplainNode } from './logic.ts'
import { compilePath } from './metric.ts'

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

/** A tag compiled into closures. `evaluate` returns `undefined` when the tag is absent. */
export interface CompiledTag {
  id: string
  kind: TagKind
  /** Evaluated on the device too (it reads only session metrics). */
  onDevice: boolean
  evaluate(data: TagData): TagValue | undefined
  /** The expressions of the tag, labelled, for `explain`. */
  parts: { label: string; rule: Logic }[]
  /** Builds the explain trees of the tag's parts. */
  explain(data: TagData): { label: string; tree: ExplainNode }[]
}

/** The kind of a tag definition (validation guarantees exactly one). */
export function tagKind(def: TagDef): TagKind {
  if ('when' in def) return 'flag'
  if ('tiers' in def) return 'tiers'
  if ('cases' in def) return 'cases'
  if ('score' in def) return 'score'
  return 'value'
}

/** Every JsonLogic expression of a tag, with a label naming where it sits. */
export function tagExpressions(def: TagDef): { label: string; rule: Logic }[] {
  if ('when' in def) return [{ label: 'when', rule: def.when }]
  if ('tiers' in def) return [{ label: 'tiers.of', rule: def.tiers.of }]
  if ('cases' in def) return def.cases.map((c, i) => ({ label: `cases[${i}].when`, rule: c.when }))
  if ('value' in def) return [{ label: 'value', rule: def.value }]
  return []
}

/** `null`/`false` (and, where the spec says so, `""`) mean the tag is absent. */
const present = (value: unknown): TagValue | undefined =>
  value === null || value === undefined || value === false ? undefined : (value as TagValue)

const safely =
  (fn: (data: TagData) => TagValue | undefined) =>
  (data: TagData): TagValue | undefined => {
    try {
      return fn(data)
    } catch {
      return undefined // a tag whose expression throws is absent; explain shows the error
    }
  }

/** A score feature as a number: numeric values as numbers, `true` → 1, anything else → 0. */
export function feature(value: unknown): number {
  if (value === true) return 1
  return toNumeric(value) ?? 0
}

/** Compiles one JsonLogic expression of a tag (the edge's `compileLogic`, or the device's). */
export type Compile = (rule: Logic) => Evaluate

/** Compiles a tag definition that passed validation; `slots` lets score weights read by index. */
export function compileTag(
  id: string,
  def: TagDef,
  onDevice: boolean,
  compile: Compile,
  slots?: Slots,
): CompiledTag {
  const kind = tagKind(def)
  const parts = tagExpressions(def)
  const explainParts = (data: TagData) =>
    parts.map(({ label, rule }) => ({ label, tree: explainLogic(rule, data) }))
  let evaluate: (data: TagData) => TagValue | undefined
  let explain = explainParts
  if ('when' in def) {
    const when = compile(def.when)
    evaluate = (data) => (truthy(when(data)) ? true : undefined)
  } else if ('tiers' in def) {
    const of = compile(def.tiers.of)
    const { cuts, labels } = def.tiers
    evaluate = (data) => {
      const x = toNumeric(of(data))
      if (x === undefined) return undefined
      let i = 0
      while (i < cuts.length && cuts[i]! <= x) i++
      return present(labels[i])
    }
  } else if ('cases' in def) {
    const cases = def.cases.map((c) => ({ when: compile(c.when), then: c.then }))
    const otherwise = def.else
    evaluate = (data) => {
      for (const c of cases) if (truthy(c.when(data))) return present(c.then)
      return present(otherwise)
    }
  } else if ('score' in def) {
    const { bias = 0, weights, threshold = 0.5 } = def.score
    const terms = Object.entries(weights).map(([path, weight]) => {
      const slot = slots?.of(path)
      const read =
        slot === undefined ? compilePath(path) : (data: unknown) => (data as TagData).v[slot]
      return { path, weight, read }
    })
    const probability = (data: TagData) => {
      let z = bias
      for (const t of terms) z += t.weight * feature(t.read(data))
      return 1 / (1 + Math.exp(-z))
    }
    evaluate = (data) => {
      const p = probability(data)
      return p >= threshold ? Math.round(p * 1e4) / 1e4 : undefined
    }
    explain = (data) => [
      {
        label: 'score',
        tree: {
          op: 'score',
          value: probability(data),
          args: [
            { op: 'bias', value: bias, args: [] },
            ...terms.map((t) => ({
              op: `${t.weight} × ${t.path}`,
              value: t.weight * feature(t.read(data)),
              args: [{ op: 'var', value: t.read(data) ?? null, args: [] }],
            })),
            { op: 'threshold', value: threshold, args: [] },
          ],
        },
      },
    ]
  } else {
    const value = compile(def.value)
    evaluate = (data) => {
      const v = value(data)
      return v === '' ? undefined : present(v)
    }
  }
  return { id, kind, onDevice, evaluate: safely(evaluate), parts, explain }
}
