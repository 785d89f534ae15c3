// Comparison fast paths: against a constant, fused with a slotted `var`, both sides computed, and
// the recommended null guard fused with its comparison. Each falls back to the shared `compare`.
import type { Evaluate } from './logic-operation.ts'
import { compare } from './logic-values.ts'
import type { Comparison } from './logic-values.ts'

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
  comparisons.set(fn, { slot: i, compare: fn })
  return fn
}

// Fused closures the `and` below can recognize: a slot's null guard, a slot compared to a constant.
export const notNull = new WeakMap<Evaluate, number>()
const comparisons = new WeakMap<Evaluate, { slot: number; compare: Evaluate }>()

// The null guard the rules language recommends, `{"and": [{"!==": [x, null]}, {">": [x, K]}]}`
// on one slot, as one closure: both parts are booleans, so `and` is the guard, then the test.
export function guardedComparison(guard: Evaluate, test: Evaluate): Evaluate | undefined {
  const slot = notNull.get(guard)
  const comparison = comparisons.get(test)
  if (slot === undefined || comparison?.slot !== slot) return undefined
  const compare = comparison.compare
  return (data) => (data as Slotted).v[slot] !== null && (compare(data) as boolean)
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
