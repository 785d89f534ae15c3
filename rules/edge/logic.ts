// JsonLogic as the edge runs it: the public `compileLogic`, `explainLogic` and `validateLogic` of
// `tagwise/rules`, over every operation of the rules language.
import { logicCompiler, type CompileLogic } from '../logic/compile-logic.ts'
import { LogicError } from '../logic/logic-error.ts'
import { inWords } from '../logic/logic-error-message.ts'
import { logicExplainer, type ExplainLogic } from '../logic/explain-logic.ts'
import { logicProblems } from '../logic/validate-logic.ts'
import type { Problem } from '../validate/problem.ts'
import { EDGE_FEATURES } from './features.ts'

/**
 * Every supported operation: the classic JsonLogic set plus `days`, `hours`, `minutes`, `seconds`
 * (a number of milliseconds) and `glob` (path matching).
 */
export const LOGIC_OPERATIONS: readonly string[] = Object.freeze(
  Object.keys(EDGE_FEATURES.operations),
)

/**
 * The edge's compiler as the engine uses it: the errors its expressions throw carry their data under
 * a short message (the engine catches them: a tag whose expression fails is absent).
 */
export const compileEdgeLogic: CompileLogic = logicCompiler(EDGE_FEATURES.operations)

/**
 * Compiles a JsonLogic expression into a function of the data. Operations are resolved once, paths
 * are split once, and sub-expressions that do not read the data are computed at compile time.
 * Evaluation throws a `LogicError` for the JsonLogic error cases (`NaN`, `Invalid Arguments`), its
 * message in words (`"+" needs numbers, got "A"`).
 * Results may share arrays and objects with the rule: treat them as read-only. No `eval`: it runs
 * under `Content-Security-Policy: script-src 'self'`.
 *
 * @throws {LogicError} `Unknown Operator` for an operation that does not exist.
 * @example
 * const isLoyal = compileLogic({ '>=': [{ var: 'metrics.orders_90d' }, 3] })
 * isLoyal({ metrics: { orders_90d: 4 } }) // true
 * compileLogic({ '+': [{ days: 1 }, { hours: 2 }] })(null) // 93600000
 */
export const compileLogic: CompileLogic = (rule, options) => {
  const evaluate = compileEdgeLogic(rule, options)
  return (data) => {
    try {
      return evaluate(data)
    } catch (error) {
      // Put in words for whoever catches it (the engine's own evaluation does not need them).
      throw error instanceof LogicError ? inWords(error) : error
    }
  }
}

/**
 * Evaluates a JsonLogic expression like {@link compileLogic} would, and returns its tree with every
 * node's value. Nodes that laziness did not evaluate are `skipped`; a node that failed has `error`,
 * and so do the operations it failed. Inside `map`/`filter`/`reduce`/`all`/`some`/`none`, the
 * nodes of the per-item expression show their last evaluation. Never throws: an unknown operation
 * is an `error` node too.
 *
 * @example
 * explainLogic({ and: [false, { var: 'x' }] }, { x: 1 })
 * // { op: 'and', value: false, args: [
 * //   { op: 'literal', value: false, args: [] },
 * //   { op: 'var', args: [{ op: 'literal', value: 'x', args: [], skipped: true }], skipped: true } ] }
 */
export const explainLogic: ExplainLogic = logicExplainer(EDGE_FEATURES.operations)

/**
 * Checks a JsonLogic expression found at `path` and returns its problems (none when it is valid):
 * each unknown operation (with a suggestion), nesting deeper than `LOGIC_LIMITS.depth`, more than
 * `LOGIC_LIMITS.nodes` nodes (one problem each). Paths continue `path` JavaScript-style.
 *
 * @example
 * validateLogic({ and: [true, { var2: 'x' }] }, 'tags.vip.when')
 * // [{ path: 'tags.vip.when.and[1].var2', message: 'unknown operation "var2" (did you mean "var"?)' }]
 */
export function validateLogic(rule: unknown, path: string): Problem[] {
  return logicProblems(rule, path, EDGE_FEATURES.operations)
}
