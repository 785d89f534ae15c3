import type { Logic, TagDef } from './document.ts'
import { logicVars } from './logic.ts'
import { nodes, type TagAnalysis } from './references.ts'
import type { TimeUnit } from './core.ts'
import type { CompiledTag, Compile } from './tags.ts'

const TIME_OPS = new Set(['<', '<=', '>', '>=', '==', '!=', '===', '!==', '!', '!!'])
const EQUALITIES = new Set(['==', '!=', '===', '!=='])
const BETWEENS = new Set(['<', '<='])

/**
 * The expression nodes whose value can move with time alone: comparisons that read a continuous
 * metric, `now` or a time-dependent tag, plus every time-dependent tag's own value.
 */
export function timeUnits(
  analysis: TagAnalysis[],
  defs: Record<string, TagDef>,
  continuous: Set<string>,
  compiled: CompiledTag[],
  compile: Compile,
): TimeUnit[] {
  const timeTags = new Set(analysis.filter((a) => a.timeDependent).map((a) => a.id))
  const moves = (path: string) => {
    const [root, key = ''] = path.split('.')
    return (
      root === 'now' ||
      (root === 'metrics' && continuous.has(key)) ||
      (root === 'tags' && timeTags.has(key))
    )
  }
  const units: TimeUnit[] = []
  for (const tag of compiled) {
    if (!timeTags.has(tag.id)) continue
    for (const { rule } of tag.parts) {
      for (const { op, node } of nodes(rule)) {
        if (!TIME_OPS.has(op)) continue
        const { paths, dynamic } = logicVars(node)
        if (!dynamic && !paths.some(moves)) continue
        units.push({ tag: tag.id, evaluate: compile(node) })
        // An equality holds at a single instant, so bisection between two times where it is false
        // cannot see it; its two monotone halves (<= and >=) flip exactly there.
        const args = (node as Record<string, unknown>)[op]
        if (EQUALITIES.has(op) && Array.isArray(args) && args.length === 2) {
          for (const half of ['<=', '>=']) {
            units.push({ tag: tag.id, evaluate: compile({ [half]: args } as Logic) })
          }
        }
        // The between forms (a < b < c) flip twice; each of their two comparisons flips once.
        if (BETWEENS.has(op) && Array.isArray(args) && args.length === 3) {
          for (const pair of [args.slice(0, 2), args.slice(1)]) {
            units.push({ tag: tag.id, evaluate: compile({ [op]: pair } as Logic) })
          }
        }
      }
    }
    // A tier changes where its number crosses a cut: each cut is a comparison of its own.
    const def = defs[tag.id]
    if (def && 'tiers' in def) {
      for (const cut of def.tiers.cuts) {
        units.push({ tag: tag.id, evaluate: compile({ '>=': [def.tiers.of, cut] } as Logic) })
      }
    }
    units.push({ tag: tag.id, evaluate: (data) => tag.evaluate(data) })
  }
  return units
}
