// One test of a decision program (decision-program.ts): what it reads, what it does with the value,
// and where the program goes next. Shared by the builder, the loop that runs programs and the pass
// that skips tests whose outcome is already known (decision-threading.ts).
import type { Evaluate } from './operation.ts'
import type { Comparison } from './values.ts'

// What a test does with the slot's value `x` (or, for `Call`, with the called function's value).
export const enum Code {
  /**
   * `x` is a number in `[lo, hi]`: a loose comparison against a number constant (not NaN), every
   * one as a range of doubles (`x < 3` is `x <= 2.9999999999999996`, `x != 3` is `x == 3` with its
   * exits swapped). A value of another type goes through the shared `compare` with `comparison`.
   */
  Range = 0,
  LessString = 1,
  AtMostString = 2,
  MoreString = 3,
  AtLeastString = 4,
  EqualString = 5,
  UnequalString = 6,
  /** `x === k` (`!==` is the same test with its exits swapped). */
  Same = 7,
  /** `x` is truthy (`!` swaps the exits). */
  Truthy = 8,
  /** `x` is in a literal list of primitives (a Set: same-value-zero, as `includes`). */
  InSet = 9,
  /** Calls `fn` (any other expression), keeps its value, tests its truthiness. */
  Call = 10,
}

/** One test. Every test has every field (one object shape, so the loop's reads stay monomorphic). */
export interface Test {
  code: Code
  slot: number
  /** `Range`: the bounds, and the comparison and constant as written (for other types). */
  lo: number
  hi: number
  comparison: Comparison
  number: number
  string: string
  same: unknown
  set: ReadonlySet<unknown>
  fn: Evaluate
  /** Where to go next when the test holds / fails: a test's index, or `~end` (an end's index). */
  yes: number
  no: number
}

/** The loose comparisons, in the order of the string codes (`Code.LessString` … `Code.UnequalString`). */
export const COMPARISONS: readonly Comparison[] = ['<', '<=', '>', '>=', '==', '!=']

/**
 * The doubles `x` for which `x op k` holds, as `[lo, hi]` (empty: `lo > hi`); `!=` gives the range
 * of `==`, to be tested with its exits swapped. `k` is a number, not NaN.
 */
export function rangeOf(op: Comparison, k: number): [number, number] {
  switch (op) {
    case '<':
      return k === -Infinity ? EMPTY : [-Infinity, adjacent(k, -1)]
    case '<=':
      return [-Infinity, k]
    case '>':
      return k === Infinity ? EMPTY : [adjacent(k, 1), Infinity]
    case '>=':
      return [k, Infinity]
    default: // '==' and '!=' (as `==`)
      return [k, k]
  }
}

const EMPTY: [number, number] = [Infinity, -Infinity]

const bits = new BigInt64Array(1)
const double = new Float64Array(bits.buffer)

/** The double next to `k` (finite, or infinite away from `direction`) upwards (1) or downwards (-1). */
export function adjacent(k: number, direction: 1 | -1): number {
  if (k === 0) return direction * Number.MIN_VALUE
  double[0] = k
  // Doubles of one sign are ordered as their bit patterns: one step in the pattern is one step in
  // value, away from zero for a positive step on a positive number and towards it on a negative one.
  bits[0]! += BigInt(k > 0 ? direction : -direction)
  return double[0]!
}
