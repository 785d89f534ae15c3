import type { FlagTag, Logic, TagDef, TagKind, TagValue, ValueTag } from '../document/document.ts'
import type { Evaluate } from '../logic/operation.ts'
import type { ExplainNode } from '../logic/explain-logic.ts'
import { truthy } from '../logic/values.ts'
import type { Slots, TagData } from './slots.ts'

/** `null`/`false` (and, where the spec says so, `""`) mean the tag is absent. */
export const present = (value: unknown): TagValue | undefined =>
  value === null || value === undefined || value === false ? undefined : (value as TagValue)

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

/** The tag kinds an engine variant has. */
export type Kinds = Readonly<Partial<Record<TagKind, KindCompiler>>>

/**
 * The common kinds: `flag` and `value`. The rare ones (rare-kinds.ts: `tiers`, `cases`, `score`)
 * join them at the edge (rules/edge/features.ts) and, on a device, once their chunk is loaded
 * (rules/device/rare.ts).
 */
export const COMMON_KINDS: Kinds = {
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
