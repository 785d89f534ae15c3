// Explaining a JsonLogic expression: a plain tree walk over the same operation semantics the
// compiler uses (an operation table), recording each node's value instead of optimizing.
import { LogicError } from './logic-error.ts'
import { failureMessage } from './logic-error-message.ts'
import { argumentList, argumentShape, evaluator, operationOf } from './operation.ts'
import type { Evaluate, Operations } from './operation.ts'
import { unknownOperation } from './operations.ts'

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
      node.error = failureMessage(error)
      throw error
    }
  }
  return { node, run }
}

function build(rule: unknown, operations: Operations): Built {
  if (Array.isArray(rule)) {
    if (!hasOperation(rule)) return literal(rule)
    const items = rule.map((item) => build(item, operations))
    return recorded('array', items, (data) => items.map((item) => item.run(data)))
  }
  const op = operationOf(rule)
  if (op === undefined) return literal(rule)
  const raw = (rule as Record<string, unknown>)[op]
  const semantics = operations[op]
  const spread = semantics ? argumentShape(op, semantics, raw) : unknownOperation(op)
  // The argument nodes are the written arguments, also when the operation cannot be evaluated.
  const children = argumentList(raw).map((arg) => build(arg, operations))
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

/** Explains a JsonLogic expression on the data (see `explainLogic`, the edge's, in rules/edge/logic.ts). */
export type ExplainLogic = (rule: unknown, data: unknown) => ExplainNode

/**
 * The explainer over an operation table: it evaluates an expression like the compiler would, and
 * returns its tree with every node's value. Nodes that laziness did not evaluate are `skipped`; a
 * node that failed has `error`, and so do the operations it failed. Never throws: an unknown
 * operation is an `error` node too.
 */
export function logicExplainer(operations: Operations): ExplainLogic {
  return (rule, data) => {
    const { node, run } = build(rule, operations)
    try {
      run(data)
    } catch {
      // The failure is recorded in the tree.
    }
    return tidy(node)
  }
}
