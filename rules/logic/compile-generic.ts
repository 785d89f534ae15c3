// The generic evaluation of a JsonLogic expression: each node a closure over an operation table's
// semantics, with none of the compiler's work (constant folding, slots, fast paths) and no
// recording (the explainer's). Devices evaluate with it: the fewest bytes for the same results.
import { LogicError, thrower } from './logic-error.ts'
import { argumentList, argumentShape, evaluator, operationOf } from './operation.ts'
import type { Evaluate, Operations } from './operation.ts'
import { unknownOperation } from './operations.ts'

/**
 * The generic compiler over an operation table. Like `compileLogic`, evaluation throws a
 * `LogicError` for the JsonLogic error cases; unlike it, an unknown operation or arguments of a
 * shape that can never be valid throw when evaluated, not when compiled (as the explainer reports
 * them).
 */
export function genericCompiler(operations: Operations): (rule: unknown) => Evaluate {
  const compile = (rule: unknown): Evaluate => {
    if (Array.isArray(rule)) {
      const items = rule.map(compile)
      return (data) => items.map((item) => item(data))
    }
    const op = operationOf(rule)
    if (op === undefined) return () => rule
    const raw = (rule as Record<string, unknown>)[op]
    const semantics = operations[op]
    if (semantics === undefined) return thrower(unknownOperation(op))
    const spread = argumentShape(op, semantics, raw)
    if (spread instanceof LogicError) return thrower(spread)
    return evaluator(semantics, argumentList(raw).map(compile), spread)
  }
  return compile
}
