// Three-valued SQL logic: a condition is 1, 0, or NULL where JsonLogic would throw. `and`/`or`
// keep JsonLogic's left-to-right short-circuit, so an error stops a profile from matching exactly
// where the engine's evaluation would throw.
import type { Truth } from './where.ts'

/** A constant verdict as SQL. */
export const literal = (truth: Truth): string => (truth === null ? 'NULL' : String(truth))

// D1's SQLite allows expression trees 100 deep and about 100 arguments per function: and/or are
// flat coalesce() lists (nested per 50 arguments) rather than nested CASEs.
const MAX_ARGUMENTS = 50

/**
 * Three-valued `and`/`or` over `args` (1, 0 or NULL each), like JsonLogic: the first argument that
 * is not 1 (`and`) or not 0 (`or`) decides, an error (NULL) included; otherwise 1 (`and`) or 0
 * (`or`). Each argument maps to NULL ("go on") or its verdict, and coalesce() takes the first
 * verdict (-1 standing for an error until the end).
 */
export function junction(kind: 'and' | 'or', args: string[]): string {
  const [go, stop] = kind === 'and' ? ['1', '0'] : ['0', '1']
  const decided: string[] = []
  for (const arg of args) {
    if (arg === go) continue
    decided.push(arg)
    // A constant verdict decides: later arguments are never reached.
    if (arg === stop || arg === 'NULL') break
  }
  if (!decided.length) return go
  if (decided.length === 1) return decided[0]!
  if (decided.length > MAX_ARGUMENTS) {
    const chunks: string[] = []
    for (let i = 0; i < decided.length; i += MAX_ARGUMENTS)
      chunks.push(junction(kind, decided.slice(i, i + MAX_ARGUMENTS)))
    return junction(kind, chunks)
  }
  const verdicts = decided.map((arg) =>
    arg === stop
      ? stop
      : arg === 'NULL'
        ? '-1'
        : `CASE ${arg} WHEN ${go} THEN NULL WHEN ${stop} THEN ${stop} ELSE -1 END`,
  )
  return `nullif(coalesce(${verdicts.join(', ')}, ${go}), -1)`
}
export const and3 = (a: string, b: string) => junction('and', [a, b])
export function not3(a: string): string {
  if (a === '1' || a === '0') return a === '1' ? '0' : '1'
  return a === 'NULL' ? a : `(1 - (${a}))`
}
