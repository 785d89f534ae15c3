// The generic evaluation of a JsonLogic expression: each node a closure over the operation table's
// semantics (`logic-ops.ts`), with none of the compiler's work (constant folding, slots, fast
// paths) and no recording (the explainer's). Device builds evaluate with it: the fewest bytes for
// the same results; the explainer itself loads with the rare features (rules/rare.ts).
import { LogicError } from './logic-error.ts'
import { argumentList, argumentShape, evaluator, operationOf } from './operation.ts'
import type { Evaluate } from './operation.ts'
import { operation, unknownOperation } from './operations.ts'

/**
 * Compiles an expression for generic evaluation. Like {@link compileLogic}, evaluation throws a
 * `LogicError` for the JsonLogic error cases; unlike it, an unknown operation or arguments of a
 * shape that can never be valid throw when evaluated, not when compiled (as the explainer reports
 * them).
 */
export function compileGeneric(rule: unknown): Evaluate {
  if (Array.isArray(rule)) {
    const items = rule.map(compileGeneric)
    return (data) => items.map((item) => item(data))
  }
  const op = operationOf(rule)
  if (op === undefined) return () => rule
  const raw = (rule as Record<string, unknown>)[op]
  const semantics = operation(op)
  const spread = semantics ? argumentShape(op, semantics, raw) : unknownOperation(op)
  if (spread instanceof LogicError)
    return () => {
      throw spread
    }
  return evaluator(semantics!, argumentList(raw).map(compileGeneric), spread)
}
