// The semantics of every JsonLogic operation, in one table that both the compiler (`logic.ts`) and
// the explainer (`logic-explain.ts`) evaluate through; the compiler only adds fast paths in front.
import { glob } from './glob.ts'
import { invalidArguments, LogicError } from './logic-error.ts'
import { divide, duration, max, min, minus, modulo, plus, times } from './logic-math.ts'
import { didYouMean } from './suggest.ts'
import { compare, lookup, numberFor, pathSegments, toText, truthy } from './logic-values.ts'
import type { Comparison } from './logic-values.ts'

/** A compiled JsonLogic expression: evaluates against the data. */
export type Evaluate = (data: unknown) => unknown

type Eager = (values: readonly unknown[], data: unknown) => unknown
type Lazy = (args: readonly Evaluate[], data: unknown) => unknown

/** How an operation takes its arguments, and what it computes from them. */
export interface Operation {
  /** The arguments must be written as an array (`{"and": [...]}`); else a lone one is wrapped. */
  readonly array?: boolean
  /** An operation written as the only argument supplies the argument list (`{"max": {"var": "xs"}}`). */
  readonly spread?: boolean
  /** Why the written arguments can never be valid, or `undefined`. */
  readonly check?: (args: readonly unknown[]) => string | undefined
  /** Reads the data or has an effect, so the result must not be computed at compile time. */
  readonly impure?: boolean
  /** Semantics over evaluated arguments (every argument is evaluated, in order). */
  readonly eager?: Eager
  /** Semantics over argument evaluators, for operations that evaluate lazily or in another scope. */
  readonly lazy?: Lazy
}

/** The operation name when `rule` is an operation: an object with exactly one key. */
export function operationOf(rule: unknown): string | undefined {
  if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) return undefined
  const keys = Object.keys(rule)
  return keys.length === 1 ? keys[0] : undefined
}

/** An operation's written arguments as a list (a lone argument is a list of one). */
export function argumentList(raw: unknown): readonly unknown[] {
  return Array.isArray(raw) ? raw : [raw]
}

/** The argument nodes of an operation, or the error evaluating it always throws. */
export function operationArguments(
  op: string,
  operation: Operation,
  raw: unknown,
): { args: readonly unknown[]; spread: boolean } | LogicError {
  if (operation.array && !Array.isArray(raw)) return invalidArguments(op, 'an array of arguments')
  const args = argumentList(raw)
  const problem = operation.check?.(args)
  if (problem !== undefined) return invalidArguments(op, problem)
  return { args, spread: operation.spread === true && operationOf(raw) !== undefined }
}

/** The generic evaluator of an operation over evaluated arguments (the compiler's fallback). */
export function evaluator(
  operation: Operation,
  args: readonly Evaluate[],
  spread: boolean,
): Evaluate {
  const { eager, lazy } = operation
  if (lazy) return (data) => lazy(args, data)
  const apply = eager!
  const [first] = args
  if (spread) {
    return (data) => {
      const values = first!(data)
      return apply(Array.isArray(values) ? values : [values], data)
    }
  }
  if (args.length === 1) return (data) => apply([first!(data)], data)
  return (data) => apply(evaluateAll(args, data), data)
}

function evaluateAll(args: readonly Evaluate[], data: unknown): unknown[] {
  const values = new Array<unknown>(args.length)
  for (let i = 0; i < args.length; i++) values[i] = args[i]!(data)
  return values
}

/** `in`: membership in an array (strict equality) or substring of a string; else `false`. */
export function contains(needle: unknown, haystack: unknown): boolean {
  if (Array.isArray(haystack)) return haystack.includes(needle)
  return typeof haystack === 'string' && haystack.includes(toText(needle))
}

function substr([source, start, length]: readonly unknown[]): string {
  const text = toText(source)
  const from = Math.trunc(numberFor('substr', start))
  const begin = from < 0 ? Math.max(0, text.length + from) : Math.min(from, text.length)
  if (length === undefined || length === null) return text.slice(begin)
  const count = Math.trunc(numberFor('substr', length))
  return text.slice(begin, count < 0 ? Math.max(begin, text.length + count) : begin + count)
}

function merge(values: readonly unknown[]): unknown[] {
  const merged: unknown[] = []
  for (const value of values) {
    if (Array.isArray(value)) for (const item of value) merged.push(item)
    else merged.push(value)
  }
  return merged
}

function missing(keys: readonly unknown[], data: unknown): unknown[] {
  const absent: unknown[] = []
  for (const key of keys) {
    const segments = pathSegments(key)
    const value = segments === undefined ? undefined : lookup(data, segments)
    if (value === undefined || value === null || value === '') absent.push(key)
  }
  return absent
}

function missingSome([need, keys]: readonly unknown[], data: unknown): unknown[] {
  const list = argumentList(keys)
  const absent = missing(list, data)
  return list.length - absent.length >= numberFor('missing_some', need) ? [] : absent
}

/** `var`: the value at a dotted path of the data (own properties only), else the default or null. */
function readVar(args: readonly Evaluate[], data: unknown): unknown {
  const segments = args.length === 0 ? [] : pathSegments(args[0]!(data))
  const value = segments === undefined ? undefined : lookup(data, segments)
  if (value !== undefined && value !== null) return value
  return args.length > 1 ? args[1]!(data) : null
}

function chain(op: Comparison | '===' | '!=='): Lazy {
  return (args, data) => {
    let previous = args[0]!(data)
    for (let i = 1; i < args.length; i++) {
      const current = args[i]!(data)
      const ok =
        op === '==='
          ? previous === current
          : op === '!=='
            ? previous !== current
            : compare(op, previous, current)
      if (!ok) return false
      previous = current
    }
    return true
  }
}

function choose(args: readonly Evaluate[], data: unknown): unknown {
  let i = 0
  for (; i < args.length - 1; i += 2) if (truthy(args[i]!(data))) return args[i + 1]!(data)
  return i < args.length ? args[i]!(data) : null
}

function and(args: readonly Evaluate[], data: unknown): unknown {
  let value: unknown = false
  for (const arg of args) if (!truthy((value = arg(data)))) return value
  return value
}

function or(args: readonly Evaluate[], data: unknown): unknown {
  let value: unknown = false
  for (const arg of args) if (truthy((value = arg(data)))) return value
  return value
}

function items(
  op: string,
  args: readonly Evaluate[],
  data: unknown,
): readonly unknown[] | undefined {
  const list = args[0]!(data)
  if (Array.isArray(list)) return list
  if (op === 'all' || op === 'some' || op === 'none') throw invalidArguments(op, 'an array to test')
  return undefined
}

function iterate(op: 'map' | 'filter' | 'reduce' | 'all' | 'some' | 'none'): Lazy {
  return (args, data) => {
    const list = items(op, args, data)
    const body = args[1]!
    if (op === 'reduce') {
      let accumulator = args.length > 2 ? args[2]!(data) : null
      for (const current of list ?? []) accumulator = body({ current, accumulator })
      return accumulator
    }
    if (op === 'map') return list === undefined ? [] : list.map((item) => body(item))
    if (op === 'filter') return list === undefined ? [] : list.filter((item) => truthy(body(item)))
    const found = list!.some((item) => truthy(body(item)) === (op !== 'all'))
    return op === 'all' ? list!.length > 0 && !found : op === 'some' ? found : !found
  }
}

function iteratorCheck(bodyRequired: boolean): (args: readonly unknown[]) => string | undefined {
  return (args) => {
    const needs = 'an array (or an expression giving one) and an expression for each item'
    if (args.length < 2) return needs
    if (!Array.isArray(args[0]) && operationOf(args[0]) === undefined) return needs
    return bodyRequired && args[1] === null ? needs : undefined
  }
}

const atLeastTwo = (args: readonly unknown[]) =>
  args.length < 2 ? 'at least 2 arguments' : undefined
const comparison = (op: Comparison | '===' | '!==') => ({
  array: true,
  check: atLeastTwo,
  lazy: chain(op),
})
const iterator = (op: 'map' | 'filter' | 'reduce' | 'all' | 'some' | 'none') => ({
  array: true,
  check: iteratorCheck(op === 'map' || op === 'filter' || op === 'reduce'),
  lazy: iterate(op),
})
const logger = globalThis.console as { log(value: unknown): void } | undefined

const table: Record<string, Operation> = {
  var: { impure: true, lazy: readVar },
  missing: {
    impure: true,
    eager: (values, data) => missing(Array.isArray(values[0]) ? values[0] : values, data),
  },
  missing_some: { impure: true, eager: missingSome },
  if: { array: true, lazy: choose },
  '?:': { array: true, lazy: choose },
  '==': comparison('=='),
  '===': comparison('==='),
  '!=': comparison('!='),
  '!==': comparison('!=='),
  '>': comparison('>'),
  '>=': comparison('>='),
  '<': comparison('<'),
  '<=': comparison('<='),
  '!': { eager: ([value]) => !truthy(value) },
  '!!': { eager: ([value]) => truthy(value) },
  or: { array: true, lazy: or },
  and: { array: true, lazy: and },
  max: { spread: true, eager: max },
  min: { spread: true, eager: min },
  '+': { spread: true, eager: plus },
  '-': { spread: true, eager: minus },
  '*': { spread: true, eager: times },
  '/': { spread: true, eager: divide },
  '%': { spread: true, eager: modulo },
  map: iterator('map'),
  filter: iterator('filter'),
  reduce: iterator('reduce'),
  all: iterator('all'),
  none: iterator('none'),
  some: iterator('some'),
  merge: { eager: merge },
  in: { eager: ([needle, haystack]) => contains(needle, haystack) },
  cat: { eager: (values) => values.map((value) => toText(value)).join('') },
  substr: { eager: substr },
  log: { impure: true, eager: ([value = null]) => (logger?.log(value), value) },
  days: { eager: duration('days', 86_400_000) },
  hours: { eager: duration('hours', 3_600_000) },
  minutes: { eager: duration('minutes', 60_000) },
  seconds: { eager: duration('seconds', 1_000) },
  glob: {
    eager: ([pattern, text]) =>
      typeof pattern === 'string' && typeof text === 'string' && glob(pattern, text),
  },
}

const operations = new Map(Object.entries(table))

/** The operation named `op`, or `undefined` for an unknown one (never an inherited property). */
export function operation(op: string): Operation | undefined {
  return operations.get(op)
}

/** Every supported operation name. */
export const OPERATION_NAMES: readonly string[] = Object.freeze([...operations.keys()])

/** The error for an unknown operation, suggesting the closest known one. */
export function unknownOperation(op: string): LogicError {
  return new LogicError(
    'Unknown Operator',
    `unknown operation "${op}"${didYouMean(op, OPERATION_NAMES)}`,
  )
}
