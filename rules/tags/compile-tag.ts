import type { Json } from '../document/json.ts'
import type { FlagTag, Logic, TagDef, TagKind, TagValue, ValueTag } from '../document/document.ts'
import { truthy, type Evaluate, type ExplainNode } from '../logic/compile-logic.ts'
import { rareKinds } from './rare-kinds.ts'

/** `false` in device builds: the rare features load lazily there (see rules/rare.ts). */
declare const __TAGWISE_RARE__: boolean | undefined

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
  /** The definition (explanations read its expressions: `tagExpressions`). */
  def: TagDef
  /**
   * The explain trees of a kind whose explanation is not its parts' trees (`score`); for the
   * others, `rules/explanation.ts` explains the parts (the explainer stays out of device builds).
   */
  explain?: ExplainParts
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
export const present = (value: unknown): TagValue | undefined =>
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

/** Compiles one JsonLogic expression of a tag (the edge's `compileLogic`, or the device's). */
export type Compile = (rule: Logic) => Evaluate

/** The labelled explain trees of a tag's parts. */
export type ExplainParts = (data: TagData) => { label: string; tree: ExplainNode }[]

/** How one tag kind evaluates; `explain` when its explanation is not its expressions' trees. */
export type KindCompiler = (
  def: TagDef,
  compile: Compile,
  slots: Slots | undefined,
) => { evaluate: (data: TagData) => TagValue | undefined; explain?: ExplainParts }

// The rare kinds (rules/tags-rare.ts: `tiers`, `cases`, `score`) are added below, or lazily in
// device builds.
const KINDS: Partial<Record<TagKind, KindCompiler>> = {
  flag: (def, compile) => {
    const when = compile((def as FlagTag).when)
    return { evaluate: (data) => (truthy(when(data)) ? true : undefined) }
  },
  value: (def, compile) => {
    const value = compile((def as ValueTag).value)
    return {
      evaluate: (data) => {
        const v = value(data)
        return v === '' ? undefined : present(v)
      },
    }
  },
}
// The flag is tested here, not through a named constant, so the minifier can fold it away.
if (typeof __TAGWISE_RARE__ === 'undefined' || __TAGWISE_RARE__) addKinds(rareKinds())

/** Adds tag kinds (device builds: the rare ones, once they are loaded). */
export function addKinds(kinds: Partial<Record<TagKind, KindCompiler>>): void {
  Object.assign(KINDS, kinds)
}

/**
 * Compiles a tag definition that passed validation; `slots` lets score weights read by index. Its
 * `kind` comes from the tag's analysis (`TagAnalysis.kind`, in a device plan too), so device
 * builds need not carry `tagKind`.
 */
export function compileTag(
  id: string,
  kind: TagKind,
  def: TagDef,
  onDevice: boolean,
  compile: Compile,
  slots?: Slots,
): CompiledTag {
  const compiled = KINDS[kind]!(def, compile, slots)
  // The kind's `explain` comes along if it has one; its `evaluate` is wrapped.
  return { id, kind, onDevice, def, ...compiled, evaluate: safely(compiled.evaluate) }
}
