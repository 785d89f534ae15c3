// Reading a `var` path: split once at compile time, then walked through own properties only (a
// path never reaches a prototype). The engine's tag expressions do not come here: their metric and
// tag reads are array reads by slot (`CompileOptions.slot`); this serves `where` expressions, traits
// and every other user of `compileLogic`.
import type { Evaluate } from './operation.ts'
import { lookup } from './values.ts'

/** A reader of the value at `segments` (own properties only): the value, or `null` when absent. */
export function pathReader(segments: readonly string[]): Evaluate {
  if (segments.length === 0) return (data) => data ?? null
  return (data) => lookup(data, segments) ?? null
}
