// Static checks of a JsonLogic expression: unknown operations and size limits. Shapes that are
// only wrong at evaluation (`{"and": true}`) are not problems here: they are JsonLogic error cases
// that make the expression throw, which the rules language allows.
import { operationOf, type Operations } from './operation.ts'
import { logicErrorMessage } from './logic-error-message.ts'
import { unknownOperation } from './operations.ts'
import { didYouMean } from '../validate/suggest.ts'
import type { Problem } from '../validate/problem.ts'

/** The largest JsonLogic expression the rules language accepts. */
export const LOGIC_LIMITS = {
  /** Nesting: operations and arrays inside each other. */
  depth: 32,
  /** Operations, arrays and values in the whole expression. */
  nodes: 2_000,
} as const

/**
 * Unknown operations listed one by one per expression; one more problem counts the others. Listing
 * every one, each with its path, made `tagwise check` of a 600 KB document (an unknown operation
 * at each of 100,000 levels) print gigabytes and run out of memory.
 */
const LISTED_UNKNOWN = 20

/** `.key` for a name-like key, else `["key"]`; so `tags.t.when.and[1]["=="][0]`. */
function member(path: string, key: string): string {
  if (!/^[A-Za-z_$][\w$]*$/.test(key)) return `${path}[${JSON.stringify(key)}]`
  return path === '' ? key : `${path}.${key}`
}

/**
 * Checks a JsonLogic expression found at `path` against an operation table and returns its
 * problems (none when it is valid): unknown operations (each with a suggestion, up to
 * {@link LISTED_UNKNOWN} of them within {@link LOGIC_LIMITS}.depth; then one problem counts the
 * others), nesting deeper than {@link LOGIC_LIMITS}.depth, more than {@link LOGIC_LIMITS}.nodes
 * nodes (one problem each).
 *
 * Nodes are operations, arrays and values; an operation's list of arguments is not a node of its
 * own. Depth counts the operations and arrays on the longest path from the root: `{"var": "x"}`
 * has depth 1 and 2 nodes. Paths continue `path` JavaScript-style: `.name` for operation names
 * that are identifiers, `["=="]` for the others, `[i]` for argument and array positions.
 */
export function logicProblems(rule: unknown, path: string, operations: Operations): Problem[] {
  const problems: Problem[] = []
  let nodes = 0
  let deepest = 0
  let unlisted = 0
  // An explicit stack, so that absurdly deep input cannot overflow the call stack.
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: rule, path, depth: 1 }]
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    const { value, depth } = entry
    nodes++
    let children: readonly unknown[] = []
    let childPath = entry.path
    const op = operationOf(value)
    // Past the depth limit nothing is listed (the depth problem covers it): no path is built.
    const listable = depth <= LOGIC_LIMITS.depth
    if (op !== undefined) {
      if (listable) childPath = member(entry.path, op)
      if (operations[op] === undefined) {
        if (listable && problems.length < LISTED_UNKNOWN)
          problems.push({
            path: childPath,
            message: logicErrorMessage(
              unknownOperation(op),
              didYouMean(op, Object.keys(operations)),
            ),
          })
        else unlisted++
      }
      const raw = (value as Record<string, unknown>)[op]
      if (Array.isArray(raw)) children = raw
      else stack.push({ value: raw, path: childPath, depth: depth + 1 })
    } else if (Array.isArray(value)) children = value
    else continue
    deepest = Math.max(deepest, depth)
    for (let i = children.length - 1; i >= 0; i--) {
      stack.push({
        value: children[i],
        path: listable ? `${childPath}[${i}]` : childPath,
        depth: depth + 1,
      })
    }
  }
  if (unlisted > 0) {
    const message = `${unlisted} more unknown operation${unlisted === 1 ? '' : 's'}`
    problems.push({ path, message })
  }
  if (deepest > LOGIC_LIMITS.depth) {
    const message = `expression is nested ${deepest} levels deep; the limit is ${LOGIC_LIMITS.depth}`
    problems.push({ path, message })
  }
  if (nodes > LOGIC_LIMITS.nodes) {
    const message = `expression has ${nodes} nodes; the limit is ${LOGIC_LIMITS.nodes}`
    problems.push({ path, message })
  }
  return problems
}
