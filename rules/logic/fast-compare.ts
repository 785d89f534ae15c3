// Comparison fast paths: against a constant, fused with a slotted `var`, both sides computed, and
// the recommended null guard fused with its comparison. Each falls back to the shared `compare`.
import type { Evaluate } from './operation.ts'
import { compare } from './values.ts'
import type { Comparison } from './values.ts'

type Slotted = { v: readonly unknown[] }

// Against a number or string constant: a value of the same type compares directly (numbers
// numerically, strings by code units), anything else through the shared `compare`.
export function compareTo(op: Comparison, a: Evaluate, k: number | string): Evaluate {
  const same = typeof k === 'number' ? isNumber : isString
  const n = k as number
  switch (op) {
    case '==':
      return (data) => {
        const x = a(data)
        return same(x) ? x === n : compare(op, x, n)
      }
    case '!=':
      return (data) => {
        const x = a(data)
        return same(x) ? x !== n : compare(op, x, n)
      }
    case '<':
      return (data) => {
        const x = a(data)
        return same(x) ? x < n : compare(op, x, n)
      }
    case '<=':
      return (data) => {
        const x = a(data)
        return same(x) ? x <= n : compare(op, x, n)
      }
    case '>':
      return (data) => {
        const x = a(data)
        return same(x) ? x > n : compare(op, x, n)
      }
    case '>=':
      return (data) => {
        const x = a(data)
        return same(x) ? x >= n : compare(op, x, n)
      }
  }
}

// A slotted `var` against a constant, fused into one closure: the hottest shape of tag
// expressions (`{">": [{"var": "metrics.x"}, 3]}`) costs one call and one array read.
export function compareSlot(op: Comparison, i: number, k: number | string): Evaluate {
  const fn = compareSlotUnregistered(op, i, k)
  slotTests.set(fn, { slot: i, op, k })
  return fn
}

/** `===`/`!==` of a slotted `var` and a constant, fused the same way. */
export function identitySlot(op: '===' | '!==', i: number, k: unknown): Evaluate {
  const equal = op === '==='
  const fn: Evaluate = (data) => (((data as Slotted).v[i] ?? null) === k) === equal
  slotTests.set(fn, { slot: i, op, k })
  return fn
}

type SlotOp = Comparison | '===' | '!=='

/** A fused closure's test, `v[slot] op k`, for `and`/`or` below to combine. */
const slotTests = new WeakMap<Evaluate, { slot: number; op: SlotOp; k: unknown }>()

/** `x op k` with the same results as the fused closures (one function, so it inlines). */
function test(op: SlotOp, x: unknown, k: unknown): boolean {
  switch (op) {
    case '===':
      return x === k
    case '!==':
      return x !== k
    default:
      if (typeof x === typeof k && (typeof x === 'string' || (typeof x === 'number' && x === x))) {
        const [a, b] = [x as number, k as number]
        return op === '=='
          ? a === b
          : op === '!='
            ? a !== b
            : op === '<'
              ? a < b
              : op === '<='
                ? a <= b
                : op === '>'
                  ? a > b
                  : a >= b
      }
      return compare(op, x, k)
  }
}

/**
 * `and`/`or` of two fused slot tests (`{"and": [{">=": [x, 1]}, {"===": [y, 0]}]}`, or the null
 * guard the rules language recommends before a comparison) as one closure. Both parts are
 * booleans, so `and`/`or` give the same result as the two tests joined with `&&`/`||`.
 */
export function combineSlotTests(op: 'and' | 'or', a: Evaluate, b: Evaluate): Evaluate | undefined {
  const x = slotTests.get(a)
  const y = slotTests.get(b)
  if (!x || !y) return undefined
  if (op === 'and') {
    return (data) => {
      const v = (data as Slotted).v
      return test(x.op, v[x.slot] ?? null, x.k) && test(y.op, v[y.slot] ?? null, y.k)
    }
  }
  return (data) => {
    const v = (data as Slotted).v
    return test(x.op, v[x.slot] ?? null, x.k) || test(y.op, v[y.slot] ?? null, y.k)
  }
}

function compareSlotUnregistered(op: Comparison, i: number, k: number | string): Evaluate {
  const same = typeof k === 'number' ? isNumber : isString
  const n = k as number
  const at = (data: unknown): unknown => (data as Slotted).v[i] ?? null
  switch (op) {
    case '==':
      return (data) => {
        const x = at(data)
        return same(x) ? x === n : compare(op, x, n)
      }
    case '!=':
      return (data) => {
        const x = at(data)
        return same(x) ? x !== n : compare(op, x, n)
      }
    case '<':
      return (data) => {
        const x = at(data)
        return same(x) ? x < n : compare(op, x, n)
      }
    case '<=':
      return (data) => {
        const x = at(data)
        return same(x) ? x <= n : compare(op, x, n)
      }
    case '>':
      return (data) => {
        const x = at(data)
        return same(x) ? x > n : compare(op, x, n)
      }
    case '>=':
      return (data) => {
        const x = at(data)
        return same(x) ? x >= n : compare(op, x, n)
      }
  }
}

// Typed as numbers so that the comparisons above type-check; strings compare by code units.
const isNumber = (x: unknown): x is number => typeof x === 'number' && x === x
const isString = (x: unknown): x is number => typeof x === 'string'

export function compareBoth(op: Comparison, a: Evaluate, b: Evaluate): Evaluate {
  const numbers = (x: unknown, y: unknown): boolean =>
    typeof x === 'number' && typeof y === 'number' && x === x && y === y
  switch (op) {
    case '==':
      return (data) => {
        const x = a(data)
        const y = b(data)
        return numbers(x, y) ? x === y : compare(op, x, y)
      }
    case '!=':
      return (data) => {
        const x = a(data)
        const y = b(data)
        return numbers(x, y) ? x !== y : compare(op, x, y)
      }
    case '<':
      return (data) => {
        const x = a(data)
        const y = b(data)
        return numbers(x, y) ? (x as number) < (y as number) : compare(op, x, y)
      }
    case '<=':
      return (data) => {
        const x = a(data)
        const y = b(data)
        return numbers(x, y) ? (x as number) <= (y as number) : compare(op, x, y)
      }
    case '>':
      return (data) => {
        const x = a(data)
        const y = b(data)
        return numbers(x, y) ? (x as number) > (y as number) : compare(op, x, y)
      }
    case '>=':
      return (data) => {
        const x = a(data)
        const y = b(data)
        return numbers(x, y) ? (x as number) >= (y as number) : compare(op, x, y)
      }
  }
}
