import type { TagDef, TagKind, TagValue } from '../document/document.ts'
import type { Compile, ExplainParts, Kinds } from './kinds.ts'
import type { Slots, TagData } from './slots.ts'

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
   * others, `explanation.ts` explains the parts (the explainer stays out of device builds).
   */
  explain?: ExplainParts
}

const safely =
  (id: string, fn: (data: TagData) => TagValue | undefined) =>
  (data: TagData): TagValue | undefined => {
    try {
      return fn(data)
    } catch (error) {
      // A tag whose expression throws is absent; explain shows the error, and the edge counts it
      // (the catalog's tag health).
      if (data.errors) data.errors[id] = error
      return undefined
    }
  }

/** What compiling a tag takes: the kinds of the variant, its expression compiler, and slots. */
export interface TagCompiler {
  kinds: Kinds
  compile: Compile
  /** Lets score weights read by index (the edge's tag data carries `v`). */
  slots?: Slots
}

/**
 * Compiles a tag definition that passed validation. Its `kind` comes from the tag's analysis
 * (`TagAnalysis.kind`, in a device plan too), so devices need not carry `tagKind`.
 */
export function compileTag(
  id: string,
  kind: TagKind,
  def: TagDef,
  onDevice: boolean,
  { kinds, compile, slots }: TagCompiler,
): CompiledTag {
  const compiled = kinds[kind]!(def, compile, slots)
  // The kind's `explain` comes along if it has one; its `evaluate` is wrapped.
  return { id, kind, onDevice, def, ...compiled, evaluate: safely(id, compiled.evaluate) }
}
