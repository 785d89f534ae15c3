// How the edge finds when a time unit (time-unit-rules.ts) changes without evaluating the tags at
// many instants: most units compare one time-growing value with constants (`since_last_order > 90
// days`, `checkout_dwell_session > 10 s`), and their flips can be computed from that value alone
// (rules/state/threshold-flips.ts). Edge only: devices search by evaluation (unit-flips.ts), in
// fewer bytes.
import type { Logic, TagDef } from '../document/document.ts'
import { logicVars } from '../logic/logic-vars.ts'
import { argumentList, operationOf, type Evaluate } from '../logic/operation.ts'
import { toNumber } from '../logic/values.ts'
import { nodes, type TagAnalysis } from './references.ts'
import { tagExpressions } from './tag-expressions.ts'
import type { UnitRule } from './time-units.ts'

/**
 * How a unit's flips are found. `threshold`: the unit is a function of how `path` (`now` or
 * `metrics.<continuous id>`) compares with each bound, so it can only change where that value
 * reaches a bound or passes it. `steady`: the unit changes only where other units flip (a tag whose
 * time-dependent reads all sit in threshold units, a comparison of such a tag). No shape: searched
 * by evaluating it (unit-flips.ts).
 */
export type UnitShape =
  { kind: 'threshold'; path: string; bounds: number[] } | { kind: 'steady' } | undefined

const COMPARISONS = new Set(['<', '<=', '>', '>=', '==', '!=', '===', '!=='])
const STRICT_EQUALITIES = new Set(['===', '!=='])
const TRUTHINESS = new Set(['!', '!!'])
/** Operations whose value depends on the data or has an effect: never a constant bound. */
const IMPURE = new Set(['var', 'missing', 'missing_some', 'log'])

/** The path of `{"var": "p"}` (or `["p"]`), without a default or a computed path. */
function plainPath(node: unknown): string | undefined {
  if (operationOf(node) !== 'var') return undefined
  const args = argumentList((node as Record<string, unknown>).var)
  return args.length === 1 && typeof args[0] === 'string' ? args[0] : undefined
}

/** The value of an expression that reads nothing, or `undefined` when it reads data or throws. */
function constantValue(
  rule: unknown,
  compile: (rule: Logic) => Evaluate,
): { value: unknown } | undefined {
  for (const { op } of nodes(rule)) if (IMPURE.has(op)) return undefined
  try {
    return { value: compile(rule as Logic)(null) }
  } catch {
    return undefined
  }
}

/** The unit shapes of {@link timeUnitRules}' units, in their order. */
export function unitShapes(
  units: readonly UnitRule[],
  analysis: readonly TagAnalysis[],
  defs: Record<string, TagDef>,
  continuous: ReadonlySet<string>,
  compile: (rule: Logic) => Evaluate,
): UnitShape[] {
  /** A value that grows with time alone: compared with constants, its flips can be computed. */
  const grows = (path: string | undefined): path is string =>
    path === 'now' || (path?.startsWith('metrics.') === true && continuous.has(path.slice(8)))

  /** `path OP constant` (or a truthiness test, or a between): the bounds it is compared with. */
  const threshold = (rule: unknown): UnitShape => {
    const op = operationOf(rule)
    if (op === undefined || !(COMPARISONS.has(op) || TRUTHINESS.has(op))) return undefined
    const args = argumentList((rule as Record<string, unknown>)[op])
    const growing = args.filter((arg) => grows(plainPath(arg)))
    const between = (op === '<' || op === '<=') && args.length === 3
    const arity = TRUTHINESS.has(op) ? 1 : between ? 3 : 2
    if (growing.length !== 1 || args.length !== arity) return undefined
    const path = plainPath(growing[0])!
    // A number is truthy where it is not 0: where it reaches 0 or passes it.
    if (TRUTHINESS.has(op)) return { kind: 'threshold', path, bounds: [0] }
    const bounds: number[] = []
    for (const arg of args) {
      if (arg === growing[0]) continue
      const constant = constantValue(arg, compile)
      if (constant === undefined) return undefined
      // Loosely, a number compares with `null`, booleans and numeric strings as numbers (values.ts
      // `compare`); with anything else it fails, and strictly it equals numbers only: then the
      // result holds while the value stays a number.
      const bound = STRICT_EQUALITIES.has(op) ? constant.value : toNumber(constant.value)
      if (typeof bound === 'number' && bound === bound) bounds.push(bound)
    }
    return { kind: 'threshold', path, bounds }
  }

  const timeTags = new Set(analysis.filter((a) => a.timeDependent).map((a) => a.id))
  const steadyTags = new Set<string>()
  /** A path whose value may move between two flips of the threshold units. */
  const moves = (path: string) => {
    const [root, key = ''] = path.split('.')
    if (root === 'now') return true
    if (root === 'metrics') return key === '' || continuous.has(key)
    return root === 'tags' && (key === '' || (timeTags.has(key) && !steadyTags.has(key)))
  }
  const readsMoving = (rule: unknown) => {
    const { paths, dynamic } = logicVars(rule)
    return dynamic || paths.some(moves)
  }
  /** Whether `rule` holds still between flips of its threshold sub-expressions. */
  const steady = (rule: unknown): boolean => {
    if (Array.isArray(rule)) return rule.every(steady)
    const op = operationOf(rule)
    if (op === undefined || threshold(rule)) return true
    const args = argumentList((rule as Record<string, unknown>)[op])
    // Reads and iterations (whose item expressions read items, not the data) as a whole.
    if (IMPURE.has(op) || ['map', 'filter', 'reduce', 'all', 'some', 'none'].includes(op))
      return !readsMoving(rule)
    return args.every(steady)
  }
  const steadyTag = (def: TagDef) => {
    if ('score' in def) return false
    // A tier label changes where its number crosses a cut: threshold units of their own.
    if ('tiers' in def && grows(plainPath(def.tiers.of))) return true
    return tagExpressions(def).every(({ rule }) => steady(rule))
  }
  for (const { id } of analysis) if (timeTags.has(id) && steadyTag(defs[id]!)) steadyTags.add(id)

  return units.map(({ tag, rule }) => {
    if (rule === undefined) return steadyTags.has(tag) ? { kind: 'steady' } : undefined
    return threshold(rule) ?? (readsMoving(rule) ? undefined : { kind: 'steady' })
  })
}
