// Explaining a JsonLogic expression: a plain tree walk over the same operation semantics the
// compiler uses (`logic-ops.ts`), recording each node's value instead of optimizing.
import { LogicError } from './logic-error.ts'
import { argumentList, argumentShape, evaluator, operationOf } from './operation.ts'
import type { Evaluate } from './operation.ts'
import { operation, unknownOperation } from './operations.ts'

/** One node of an explained expression. */
export interface ExplainNode {
  /** The operation; `'literal'` for a constant, `'array'` for an array with expressions inside. */
  op: string
  /** The node's value, when it was evaluated and did not fail. */
  value?: unknown
  /** Why the node failed; a failing argument makes its operation fail with the same message. */
  error?: string
  /** The argument nodes, in order. */
  args: ExplainNode[]
  /** `true` when the node was not evaluated (`and`/`or`/`if` stopped early, or an earlier failure). */
  skipped?: boolean
}

interface Built {
  node: ExplainNode
  run: Evaluate
}

function hasOperation(rule: unknown): boolean {
  if (Array.isArray(rule)) return rule.some(hasOperation)
  return operationOf(rule) !== undefined
}

// A constant shows its value even when it was not evaluated.
function literal(value: unknown): Built {
  const built = recorded('literal', [], () => value)
  built.node.value = value
  return built
}

function recorded(op: string, children: Built[], evaluate: Evaluate): Built {
  const node: ExplainNode = {
    op,
    value: undefined,
    error: undefined,
    args: children.map((child) => child.node),
    skipped: true,
  }
  const run: Evaluate = (data) => {
    node.skipped = undefined
    try {
      node.value = evaluate(data)
      node.error = undefined
      return node.value
    } catch (error) {
      node.value = undefined
      node.error = error instanceof Error ? error.message : String(error)
      throw error
    }
  }
  return { node, run }
}

function build(rule: unknown): Built {
  if (Array.isArray(rule)) {
    if (!hasOperation(rule)) return literal(rule)
    const items = rule.map(build)
    return recorded('array', items, (data) => items.map((item) => item.run(data)))
  }
  const op = operationOf(rule)
  if (op === undefined) return literal(rule)
  const raw = (rule as Record<string, unknown>)[op]
  const semantics = operation(op)
  const spread = semantics ? argumentShape(op, semantics, raw) : unknownOperation(op)
  // The argument nodes are the written arguments, also when the operation cannot be evaluated.
  const children = argumentList(raw).map(build)
  if (spread instanceof LogicError) {
    return recorded(op, children, () => {
      throw spread
    })
  }
  const runs = children.map((child) => child.run)
  return recorded(op, children, evaluator(semantics!, runs, spread))
}

// Drops the keys that stayed `undefined`, so a node only has `value`, `error` or `skipped` when
// they say something.
function tidy(node: ExplainNode): ExplainNode {
  for (const key in node)
    if (node[key as keyof ExplainNode] === undefined) delete node[key as keyof ExplainNode]
  node.args.forEach(tidy)
  return node
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
export function explainLogic(rule: unknown, data: unknown): ExplainNode {
  const { node, run } = build(rule)
  try {
    run(data)
  } catch {
    // The failure is recorded in the tree.
  }
  return tidy(node)
}
