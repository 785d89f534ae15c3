// What an operation is: how it takes its written arguments, and how it is evaluated generically
// over compiled arguments (the explainer always, the compiler when it has no fast path).
import { isObject } from '../document/json.ts'
import { invalidArguments } from './logic-error.ts'
import type { LogicError } from './logic-error.ts'

/** A compiled JsonLogic expression: evaluates against the data. */
export type Evaluate = (data: unknown) => unknown

export type Eager = (values: readonly unknown[], data: unknown) => unknown
export type Lazy = (args: readonly Evaluate[], data: unknown) => unknown

/** How an operation takes its arguments, and what it computes from them. */
export interface Operation {
  /** The arguments must be written as an array (`{"and": [...]}`); else a lone one is wrapped. */
  readonly array?: boolean
  /** An operation written as the only argument supplies the argument list (`{"max": {"var": "xs"}}`). */
  readonly spread?: boolean
  /** Why the written arguments can never be valid, or `undefined`. */
  readonly check?: (args: readonly unknown[]) => string | undefined
  /** Semantics over evaluated arguments (every argument is evaluated, in order). */
  readonly eager?: Eager
  /** Semantics over argument evaluators, for operations that evaluate lazily or in another scope. */
  readonly lazy?: Lazy
}

/**
 * The operations an engine variant knows, by name. No prototype: `operations[op]` is an own
 * operation or `undefined`, never an inherited property such as `constructor`.
 */
export type Operations = Readonly<Record<string, Operation>>

/** An {@link Operations} table of the given tables' operations (later ones win). */
export function operationTable(...tables: Readonly<Record<string, Operation>>[]): Operations {
  return Object.assign(Object.create(null) as Record<string, Operation>, ...tables)
}

/** The operation name when `rule` is an operation: an object with exactly one key. */
export function operationOf(rule: unknown): string | undefined {
  if (!isObject(rule)) return undefined
  const keys = Object.keys(rule)
  return keys.length === 1 ? keys[0] : undefined
}

/** An operation's written arguments as a list (a lone argument is a list of one). */
export function argumentList(raw: unknown): readonly unknown[] {
  return Array.isArray(raw) ? raw : [raw]
}

/**
 * Whether an operation's written arguments are valid: the error evaluating it always throws if
 * not, else whether its lone argument supplies the argument list (`spread`).
 */
export function argumentShape(
  op: string,
  operation: Operation,
  raw: unknown,
): boolean | LogicError {
  if (operation.array && !Array.isArray(raw)) return invalidArguments(op, 'an array of arguments')
  const problem = operation.check?.(argumentList(raw))
  if (problem !== undefined) return invalidArguments(op, problem)
  return !!operation.spread && operationOf(raw) !== undefined
}

/** The generic evaluator of an operation over evaluated arguments (the compiler's fallback). */
export function evaluator(
  operation: Operation,
  args: readonly Evaluate[],
  spread: boolean,
): Evaluate {
  const { eager, lazy } = operation
  if (lazy) return (data) => lazy(args, data)
  return (data) =>
    eager!(spread ? argumentList(args[0]!(data)) : args.map((arg) => arg(data)), data)
}
