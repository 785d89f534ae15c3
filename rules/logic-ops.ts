// The semantics of every JsonLogic operation, in one table that both the compiler (`logic.ts`) and
// the explainer (`logic-explain.ts`) evaluate through; the compiler only adds fast paths in front.
import { glob } from './glob.ts'
import { LogicError } from './logic-error.ts'
import { iterator } from './logic-iterate.ts'
import { divide, duration, max, min, minus, modulo, plus, times } from './logic-math.ts'
import { compare, numberFor, toText, truthy, valueAt } from './logic-values.ts'
import type { Comparison } from './logic-values.ts'
import { argumentList } from './logic-operation.ts'
import type { Evaluate, Lazy, Operation } from './logic-operation.ts'

/** `in`: membership in an array (strict equality) or substring of a string; else `false`. */
function contains(needle: unknown, haystack: unknown): boolean {
  if (Array.isArray(haystack)) return haystack.includes(needle)
  return typeof haystack === 'string' && haystack.includes(toText(needle))
}

// `slice` already treats a start or a negative length like JsonLogic's `substr` (counted from the
// end, clamped to the text, truncated to an integer).
function substr([source, start, length]: readonly unknown[]): string {
  const rest = toText(source).slice(numberFor('substr', start))
  return length === undefined || length === null ? rest : rest.slice(0, numberFor('substr', length))
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
  return keys.filter((key) => {
    const value = valueAt(data, key)
    return value === undefined || value === null || value === ''
  })
}

function missingSome([need, keys]: readonly unknown[], data: unknown): unknown[] {
  const list = argumentList(keys)
  const absent = missing(list, data)
  return list.length - absent.length >= numberFor('missing_some', need) ? [] : absent
}

/** `var`: the value at a dotted path of the data (own properties only), else the default or null. */
const readVar: Lazy = (args, data) =>
  valueAt(data, args[0]?.(data)) ?? (args.length > 1 ? args[1]!(data) : null)

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

/** `and` (`stop` false) or `or` (`stop` true): the first value whose truthiness is `stop`, else the last. */
function logical(stop: boolean): Lazy {
  return (args, data) => {
    let value: unknown = false
    for (const arg of args) if (truthy((value = arg(data))) === stop) return value
    return value
  }
}

const atLeastTwo = (args: readonly unknown[]) =>
  args.length < 2 ? 'at least 2 arguments' : undefined
const comparison = (op: Comparison | '===' | '!==') => ({
  array: true,
  check: atLeastTwo,
  lazy: chain(op),
})
// `console` is not part of the language: a host may not have it (the engine never assumes one).
const logger = (globalThis as { console?: { log(value: unknown): void } }).console

// No prototype (`__proto__: null`): `table[op]` is an own operation or `undefined`, never an
// inherited property.
const table: Record<string, Operation | null> = {
  __proto__: null,
  var: { lazy: readVar },
  missing: {
    eager: (values, data) => missing(Array.isArray(values[0]) ? values[0] : values, data),
  },
  missing_some: { eager: missingSome },
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
  or: { array: true, lazy: logical(true) },
  and: { array: true, lazy: logical(false) },
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
  cat: { eager: (values) => values.map(toText).join('') },
  substr: { eager: substr },
  log: { eager: ([value = null]) => (logger?.log(value), value) },
  days: { eager: duration('days', 86_400_000) },
  hours: { eager: duration('hours', 3_600_000) },
  minutes: { eager: duration('minutes', 60_000) },
  seconds: { eager: duration('seconds', 1_000) },
  glob: {
    eager: ([pattern, text]) =>
      typeof pattern === 'string' && typeof text === 'string' && glob(pattern, text),
  },
}

/** The operation named `op`, or `undefined` for an unknown one (never an inherited property). */
export const operation = (op: string) => table[op] as Operation | undefined

/** Every supported operation name. */
export const OPERATION_NAMES: readonly string[] = /* @__PURE__ */ Object.freeze(
  /* @__PURE__ */ Object.keys(table),
)

/**
 * The error for an unknown operation; `hint` is appended to the message (validation and
 * `compileLogic` suggest the closest known name; the explainer, which device builds carry, does not).
 */
export function unknownOperation(op: string, hint = ''): LogicError {
  return new LogicError('Unknown Operator', `unknown operation "${op}"${hint}`)
}
