// JsonLogic: compile an expression once into a tree of closures (no `eval`, so it runs under a
// `script-src 'self'` Content-Security-Policy), then evaluate it against data many times.
import { LogicError } from './logic-error.ts'
import { specialize } from './logic-fast.ts'
import { evaluator, operationArguments, operationOf } from './logic-operation.ts'
import type { Evaluate } from './logic-operation.ts'
import { operation, OPERATION_NAMES, unknownOperation } from './logic-ops.ts'

export { LogicError } from './logic-error.ts'
export type { LogicErrorType } from './logic-error.ts'
export type { Evaluate } from './logic-operation.ts'
export { truthy } from './logic-values.ts'
export { explainLogic } from './logic-explain.ts'
export type { ExplainNode } from './logic-explain.ts'
export { validateLogic, LOGIC_LIMITS } from './logic-validate.ts'
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

function compileNode(rule: unknown): Evaluate {
  if (Array.isArray(rule)) return compileArray(rule.map(compileNode))
  const op = operationOf(rule)
  if (op === undefined) return constant(rule)
  const semantics = operation(op)
  if (semantics === undefined) throw unknownOperation(op)
  const shaped = operationArguments(op, semantics, (rule as Record<string, unknown>)[op])
  if (shaped instanceof LogicError) return thrower(shaped)
  const args = shaped.args.map(compileNode)
  const fn =
    (shaped.spread ? undefined : specialize(op, args, constantOf)) ??
    evaluator(semantics, args, shaped.spread)
  if (semantics.impure || !args.every((arg) => constants.has(arg))) return fn
  // Constant folding: an operation on constants that does not read the data is computed now,
  // and one that always fails fails at evaluation, like the unfolded expression would.
  try {
    return constant(fn(null))
  } catch (error) {
    if (error instanceof LogicError) return thrower(error)
    throw error
  }
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
export function compileLogic(rule: unknown): Evaluate {
  return compileNode(rule)
}
