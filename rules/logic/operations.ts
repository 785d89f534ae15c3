// The semantics of every JsonLogic operation, in one table that both the compiler (`logic.ts`) and
// the explainer (`logic-explain.ts`) evaluate through; the compiler only adds fast paths in front.
// The rare operations are defined in `logic-rare.ts` and join the table here (or, in device
// builds, when their chunk is loaded: rules/rare.ts).
import { glob } from './glob.ts'
import { LogicError } from './logic-error.ts'
import { divide, duration, minus, plus, times } from './math.ts'
import type { Evaluate, Lazy, Operation } from './operation.ts'
import { rareOperations } from './rare-operations.ts'
import { compare, toText, truthy, valueAt } from './values.ts'
import type { Comparison } from './values.ts'

/** `false` in device builds: the rare features load lazily there (see rules/rare.ts). */
declare const __TAGWISE_RARE__: boolean | undefined
/** `false` in the script-tag build's core: see rules/logic-error.ts. */
declare const __TAGWISE_MESSAGES__: boolean | undefined

/** `in`: membership in an array (strict equality) or substring of a string; else `false`. */
function contains(needle: unknown, haystack: unknown): boolean {
  if (Array.isArray(haystack)) return haystack.includes(needle)
  return typeof haystack === 'string' && haystack.includes(toText(needle))
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
  args.length < 2
    ? // Without messages in the script-tag core (see rules/logic-error.ts): any text is a problem.
      typeof __TAGWISE_MESSAGES__ === 'undefined' || __TAGWISE_MESSAGES__
      ? 'at least 2 arguments'
      : ''
    : undefined
const comparison = (op: Comparison | '===' | '!==') => ({
  array: true,
  check: atLeastTwo,
  lazy: chain(op),
})

// No prototype (`__proto__: null`): `table[op]` is an own operation or `undefined`, never an
// inherited property. The rare operations (rules/logic-rare.ts) follow the common ones.
const table: Record<string, Operation | null> = {
  __proto__: null,
  var: { lazy: readVar },
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
  '+': { spread: true, eager: plus },
  '-': { spread: true, eager: minus },
  '*': { spread: true, eager: times },
  '/': { spread: true, eager: divide },
  in: { eager: ([needle, haystack]) => contains(needle, haystack) },
  days: { eager: duration('days', 86_400_000) },
  hours: { eager: duration('hours', 3_600_000) },
  minutes: { eager: duration('minutes', 60_000) },
  seconds: { eager: duration('seconds', 1_000) },
  glob: {
    eager: ([pattern, text]) =>
      typeof pattern === 'string' && typeof text === 'string' && glob(pattern, text),
  },
}
// The flag is tested here, not through a named constant, so the minifier can fold it away.
if (typeof __TAGWISE_RARE__ === 'undefined' || __TAGWISE_RARE__) addOperations(rareOperations())

/** Adds operations to the table (device builds: the rare ones, once they are loaded). */
export function addOperations(operations: Record<string, Operation>): void {
  Object.assign(table, operations)
}

/** The operation named `op`, or `undefined` for an unknown one (never an inherited property). */
export const operation = (op: string) => table[op] as Operation | undefined

/** Every supported operation name (in device builds, those loaded when the module loaded). */
export const OPERATION_NAMES: readonly string[] = /* @__PURE__ */ Object.freeze(
  /* @__PURE__ */ Object.keys(table),
)

/**
 * The error for an unknown operation; `hint` is appended to the message (validation and
 * `compileLogic` suggest the closest known name; the explainer, which device builds carry, does not).
 */
export function unknownOperation(op: string, hint = ''): LogicError {
  return new LogicError(
    'Unknown Operator',
    // Without messages in the script-tag core (see rules/logic-error.ts).
    typeof __TAGWISE_MESSAGES__ === 'undefined' || __TAGWISE_MESSAGES__
      ? `unknown operation "${op}"${hint}`
      : '',
  )
}
