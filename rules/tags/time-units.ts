import type { Logic } from '../document/document.ts'
import type { TimeUnit } from '../state/compiled-rules.ts'
import type { CompiledTag } from './compile-tag.ts'
import type { Compile } from './kinds.ts'

/**
 * A time-dependent expression node of a tag, as JSON: a comparison (or a tier cut) that reads a
 * continuous metric, `now` or a time-dependent tag; without `rule`, the tag's own value.
 */
export interface UnitRule {
  tag: string
  rule?: Logic
}

/** Compiles unit rules against the compiled tags (a unit without `rule` is its tag's value). */
export function compileUnits(
  rules: readonly UnitRule[],
  compiled: readonly CompiledTag[],
  compile: Compile,
): TimeUnit[] {
  return rules.map(({ tag, rule }) => ({
    tag,
    evaluate: rule === undefined ? compiled.find((t) => t.id === tag)!.evaluate : compile(rule),
  }))
}
