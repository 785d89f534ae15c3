// JsonLogic: compile an expression once into a tree of closures (no `eval`, so it runs under a
// `script-src 'self'` Content-Security-Policy), then evaluate it against data many times.
import { LogicError, thrower } from './logic-error.ts'
import { specialize } from './fast-paths.ts'
import { decisionProgram, rememberNode } from './decision-program.ts'
import { argumentList, argumentShape, evaluator, operationOf } from './operation.ts'
import type { Evaluate, Operations } from './operation.ts'
import { inWords } from './logic-error-message.ts'
import { unknownOperation } from './operations.ts'
import { didYouMean } from '../validate/suggest.ts'

const constants = new WeakMap<Evaluate, { value: unknown }>()

function constant(value: unknown): Evaluate {
  const fn: Evaluate = () => value
  constants.set(fn, { value })
  return fn
}

const constantOf = (fn: Evaluate | undefined) => (fn === undefined ? undefined : constants.get(fn))

/** Where a node is compiled: `top` is the data scope (not an iterating operation's item scope). */
interface Scope {
  operations: Operations
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
  const semantics = scope.operations[op]
  if (semantics === undefined)
    throw inWords(unknownOperation(op), didYouMean(op, Object.keys(scope.operations)))
  const raw = (rule as Record<string, unknown>)[op]
  const spread = argumentShape(op, semantics, raw)
  if (spread instanceof LogicError) return thrower(spread)
  const written = argumentList(raw)
  // The per-item expression of map/filter/reduce/all/some/none reads the item, not the data.
  const item: Scope = { operations: scope.operations, top: false, slot: undefined }
  const args = written.map((arg, i) =>
    compileNode(arg, ITERATIONS.has(op) && i === 1 ? item : scope),
  )
  const slotted = op === 'var' && scope.top ? slotRead(written, args, scope) : undefined
  if (slotted) return slotted
  const fn = (spread ? undefined : fastPath(op, args)) ?? evaluator(semantics, args, spread)
  if (IMPURE.has(op) || !args.every((arg) => constants.has(arg))) {
    rememberNode(fn, op, args)
    return fn
  }
  // Constant folding: an operation on constants that does not read the data is computed now,
  // and one that always fails fails at evaluation, like the unfolded expression would.
  try {
    return constant(fn(null))
  } catch (error) {
    if (error instanceof LogicError) return thrower(error)
    throw error
  }
}

const DECISIONS = new Set(['and', 'or', 'if', '?:', '!', '!!'])

/** A specialized evaluator (a decision program, else a fast path), or `undefined`. */
function fastPath(op: string, args: Evaluate[]): Evaluate | undefined {
  const program = DECISIONS.has(op) ? decisionProgram(op, args, constantOf, slotOf) : undefined
  return program ?? specialize(op, args, constantOf, slotOf)
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

/** Compiles a JsonLogic expression (see `compileLogic`, the edge's, in rules/edge/logic.ts). */
export type CompileLogic = (rule: unknown, options?: CompileOptions) => Evaluate

/**
 * The compiler over an operation table: operations are resolved once, paths are split once,
 * sub-expressions that do not read the data are computed at compile time, and the common shapes
 * get specialized closures (fast-paths.ts) — speed only, with the generic evaluators' results.
 * The edge compiles with it; devices evaluate generically (compile-generic.ts), in fewer bytes.
 */
export function logicCompiler(operations: Operations): CompileLogic {
  return (rule, options = {}) => compileNode(rule, { operations, top: true, slot: options.slot })
}

/** Options of `compileLogic`. */
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
