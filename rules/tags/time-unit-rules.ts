// Finding a document's time units, for the device plan (rules/device/device-plan.ts) and the
// edge. Apart from compiling them (time-units.ts), which devices do at start: an app's bundler
// keeps this module with the lazy device plan.
import type { Logic, TagDef } from '../document/document.ts'
import { logicVars } from '../logic/logic-vars.ts'
import { nodes, type TagAnalysis } from './references.ts'
import { tagExpressions } from './tag-expressions.ts'
import type { UnitRule } from './time-units.ts'

const TIME_OPS = new Set(['<', '<=', '>', '>=', '==', '!=', '===', '!==', '!', '!!'])
const EQUALITIES = new Set(['==', '!=', '===', '!=='])
const BETWEENS = new Set(['<', '<='])

/**
 * The expression nodes whose value can move with time alone: comparisons that read a continuous
 * metric, `now` or a time-dependent tag, plus every time-dependent tag's own value. Plain JSON, so
 * the collector can compute them for devices (`GET /v1/rules?device=1`).
 */
export function timeUnitRules(
  analysis: readonly TagAnalysis[],
  defs: Record<string, TagDef>,
  continuous: ReadonlySet<string>,
): UnitRule[] {
  const timeTags = new Set(analysis.filter((a) => a.timeDependent).map((a) => a.id))
  const moves = (path: string) => {
    const [root, key = ''] = path.split('.')
    return (
      root === 'now' ||
      (root === 'metrics' && continuous.has(key)) ||
      (root === 'tags' && timeTags.has(key))
    )
  }
  const units: UnitRule[] = []
  for (const { id } of analysis) {
    if (!timeTags.has(id)) continue
    const def = defs[id]!
    for (const { rule } of tagExpressions(def)) {
      for (const { op, node } of nodes(rule)) {
        if (!TIME_OPS.has(op)) continue
        const { paths, dynamic } = logicVars(node)
        if (!dynamic && !paths.some(moves)) continue
        units.push({ tag: id, rule: node })
        // An equality holds at a single instant, so bisection between two times where it is false
        // cannot see it; its two monotone halves (<= and >=) flip exactly there.
        const args = (node as Record<string, unknown>)[op]
        if (EQUALITIES.has(op) && Array.isArray(args) && args.length === 2) {
          for (const half of ['<=', '>=']) units.push({ tag: id, rule: { [half]: args } as Logic })
        }
        // The between forms (a < b < c) flip twice; each of their two comparisons flips once.
        if (BETWEENS.has(op) && Array.isArray(args) && args.length === 3) {
          for (const pair of [args.slice(0, 2), args.slice(1)]) {
            units.push({ tag: id, rule: { [op]: pair } as Logic })
          }
        }
      }
    }
    // A tier changes where its number crosses a cut: each cut is a comparison of its own.
    if ('tiers' in def) {
      for (const cut of def.tiers.cuts) units.push({ tag: id, rule: { '>=': [def.tiers.of, cut] } })
    }
    units.push({ tag: id })
  }
  return units
}
