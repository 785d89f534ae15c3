// The semantics of the common JsonLogic operations: what every engine variant has. The rare ones
// (`rare-operations.ts`) join them in the edge's table (rules/edge/features.ts) and, on a device,
// once their chunk is loaded (rules/device/rare.ts). The compiler, the generic evaluator and the
// explainer all evaluate through such a table; the compiler only adds fast paths in front.
import { LogicError } from './logic-error.ts'
import { divide, duration, minus, plus, times } from './math.ts'
import { operationTable, type Evaluate, type Lazy, type Operations } from './operation.ts'
import { compare, toText, truthy, valueAt } from './values.ts'
import type { Comparison } from './values.ts'

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
  args.length < 2 ? 'at least 2 arguments' : undefined
const comparison = (op: Comparison | '===' | '!==') => ({
  array: true,
  check: atLeastTwo,
  lazy: chain(op),
})

/**
 * The common operations. `glob` is not among them: each variant brings its own matcher (the edge's
 * fast automaton, a device's compact one) with {@link globOperation}.
 */
export const COMMON_OPERATIONS: Operations = operationTable({
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
})
/** The `glob` operation over a glob matcher (`{"glob": [pattern, text]}`; not strings: `false`). */
export function globOperation(glob: (pattern: string, text: string) => boolean): Operations {
  return operationTable({
    glob: {
      eager: ([pattern, text]) =>
        typeof pattern === 'string' && typeof text === 'string' && glob(pattern, text),
    },
  })
}

/** The error for an unknown operation (in words with `logicErrorMessage`, with a suggestion). */
export function unknownOperation(op: string): LogicError {
  return new LogicError('Unknown Operator', op)
}
