// Reading a tag definition: its kind and its expressions. Apart from compiling (compile-tag.ts):
// the analyses (references, time units, the device plan) and the explainer read definitions,
// while devices compile tags by the kind their plan names, so an app's bundler keeps this
// module with the lazy parts.
import type { Logic, TagDef, TagKind } from '../document/document.ts'

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
