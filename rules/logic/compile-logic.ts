// JsonLogic: compile an expression once into a tree of closures (no `eval`, so it runs under a
// `script-src 'self'` Content-Security-Policy), then evaluate it against data many times.
import { LogicError } from './logic-error.ts'
import { specialize } from './fast-paths.ts'
import { argumentList, argumentShape, evaluator, operationOf } from './operation.ts'
import type { Evaluate } from './operation.ts'
import { operation, OPERATION_NAMES, unknownOperation } from './operations.ts'
import { didYouMean } from '../validate/suggest.ts'

/**
 * Whether compiled expressions use the specialized fast paths (logic-fast.ts, logic-compare.ts):
 * speed-only duplicates of the generic evaluators, with the same results. Builds where bytes matter
 * more than nanoseconds (the browser SDK and the mini-program adapter) define `__TAGWISE_FAST__` as
 * `false`, and the minifier drops the fast paths; everywhere else they are on. The conformance and
 * property tests run in both modes (vitest project `rules-generic`).
 */
declare const __TAGWISE_FAST__: boolean | undefined

export { LogicError } from './logic-error.ts'
export type { LogicErrorType } from './logic-error.ts'
export type { Evaluate } from './operation.ts'
export { truthy } from './values.ts'
export { explainLogic } from './explain-logic.ts'
export type { ExplainNode } from './explain-logic.ts'
export { validateLogic, LOGIC_LIMITS } from './validate-logic.ts'
export { logicVars } from './logic-vars.ts'

/**
 * Every supported operation: the classic JsonLogic set plus `days`, `hours`, `minutes`, `seconds`
 * (a number of milliseconds) and `glob` (path matching).
 */
export const LOGIC_OPERATIONS: readonly string[] = OPERATION_NAMES

const constants = new WeakMap<Evaluate, { value: unknown }>()

function constant(value: unknown): Evaluate {
  const fn: Evaluate = () => value
  constants.set(fn, { value })
  return fn
}

const constantOf = (fn: Evaluate | undefined) => (fn === undefined ? undefined : constants.get(fn))

function thrower(error: LogicError): Evaluate {
  return () => {
    throw error
  }
}

/** Where a node is compiled: `top` is the data scope (not an iterating operation's item scope). */
interface Scope {
  top: boolean
  slot: ((path: string) => number | undefined) | undefined
}

const ITERATIONS = new Set(['map', 'filter', 'reduce', 'all', 'some', 'none'])
// The operations that read the data or have an effect: never computed at compile time. Known here,
// not in the operation table, because only the compiler folds constants (device builds carry the
// table, not the compiler).
const IMPURE = new Set(['var', 'missing', 'missing_some', 'log'])

function compileNode(rule: unknown, scope: Scope): Evaluate {
  if (Array.isArray(rule)) return compileArray(rule.map((item) => compileNode(item, scope)))
  const op = operationOf(rule)
  if (op === undefined) return constant(rule)
  const semantics = operation(op)
  if (semantics === undefined) throw unknownOperation(op, didYouMean(op, OPERATION_NAMES))
  const raw = (rule as Record<string, unknown>)[op]
  const spread = argumentShape(op, semantics, raw)
  if (spread instanceof LogicError) return thrower(spread)
  const written = argumentList(raw)
  // The per-item expression of map/filter/reduce/all/some/none reads the item, not the data.
  const item: Scope = { top: false, slot: undefined }
  const args = written.map((arg, i) =>
    compileNode(arg, ITERATIONS.has(op) && i === 1 ? item : scope),
  )
  const slotted = op === 'var' && scope.top ? slotRead(written, args, scope) : undefined
  if (slotted) return slotted
  let fn: Evaluate | undefined
  // The flag is tested here, not through a named constant, so the minifier can fold it away.
  if (!spread && (typeof __TAGWISE_FAST__ === 'undefined' || __TAGWISE_FAST__))
    fn = specialize(op, args, constantOf, slotOf)
  fn ??= evaluator(semantics, args, spread)
  if (IMPURE.has(op) || !args.every((arg) => constants.has(arg))) return fn
  // Constant folding: an operation on constants that does not read the data is computed now,
  // and one that always fails fails at evaluation, like the unfolded expression would.
  try {
    return constant(fn(null))
  } catch (error) {
    if (error instanceof LogicError) return thrower(error)
    throw error
  }
}

/** Data whose top-level values also sit in an array, for {@link CompileOptions.slot}. */
export interface Slotted {
  v: readonly unknown[]
}

const slots = new WeakMap<Evaluate, number>()
const slotOf = (fn: Evaluate | undefined): number | undefined =>
  fn === undefined ? undefined : slots.get(fn)

/** `{"var": "metrics.x"}` (or `["metrics.x", fallback]`) whose path has a slot: one array read. */
function slotRead(
  written: readonly unknown[],
  args: Evaluate[],
  scope: Scope,
): Evaluate | undefined {
  const path = written[0]
  const index = typeof path === 'string' && scope.slot ? scope.slot(path) : undefined
  if (index === undefined || written.length > 2) return undefined
  const fallback = args[1]
  if (fallback !== undefined) return (data) => (data as Slotted).v[index] ?? fallback(data)
  const read: Evaluate = (data) => (data as Slotted).v[index] ?? null
  slots.set(read, index)
  return read
}

function compileArray(items: Evaluate[]): Evaluate {
  if (items.every((item) => constants.has(item))) {
    return constant(items.map((item) => constants.get(item)!.value))
  }
  return (data) => {
    const values = new Array<unknown>(items.length)
    for (let i = 0; i < items.length; i++) values[i] = items[i]!(data)
    return values
  }
}

/**
 * Compiles a JsonLogic expression into a function of the data. Operations are resolved once, paths
 * are split once, and sub-expressions that do not read the data are computed at compile time.
 * Evaluation throws a {@link LogicError} for the JsonLogic error cases (`NaN`, `Invalid
 * Arguments`). Results may share arrays and objects with the rule: treat them as read-only.
 *
 * @throws {LogicError} `Unknown Operator` for an operation that does not exist.
 * @example
 * const isLoyal = compileLogic({ '>=': [{ var: 'metrics.orders_90d' }, 3] })
 * isLoyal({ metrics: { orders_90d: 4 } }) // true
 * compileLogic({ '+': [{ days: 1 }, { hours: 2 }] })(null) // 93600000
 */
export function compileLogic(rule: unknown, options: CompileOptions = {}): Evaluate {
  return compileNode(rule, { top: true, slot: options.slot })
}

/** Options of {@link compileLogic}. */
export interface CompileOptions {
  /**
   * Maps a literal `var` path of the data scope to an index: the compiled expression then reads it
   * as `data.v[index]` (see {@link Slotted}) instead of walking objects — one array read, and no
   * property-access site that sees every path's names. The data must carry `v`. Paths without a
   * slot are read as usual.
   * @default undefined (no slots)
   */
  slot?: (path: string) => number | undefined
}
