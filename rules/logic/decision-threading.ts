// Skips the tests of a decision program whose outcome the tests before them already decided, on
// every path (jump threading). Tag expressions repeat themselves: an `if` chain of `and`s tests
// `since_last_order !== null` in every branch, and compares the same metric with rising thresholds
// (`<= 30 days` then `<= 90 days`). Hand-written JavaScript gets these for free (V8 removes a branch
// whose condition an enclosing one decided); a program would run each test again.
//
// Sound because a test reads a slot, which no evaluation changes, has no effect, and is only
// skipped when its outcome is certain and it cannot throw: an identical test already ran on the
// path, or (for comparisons with a number) an earlier comparison of the same slot did. A comparison
// with a number that did not throw compares `toNumber(x)`, a number that is not NaN, in every case
// of the shared `compare` (the value itself when it is a number), so its outcome puts that number in
// a range that decides later comparisons. `Call` tests are never skipped: they keep a value.
import { adjacent, Code } from './decision-test.ts'
import type { Test } from './decision-test.ts'

/** What is known on a path through the program. */
interface Facts {
  /** Per slot, the range `toNumber` of its value is in, after comparisons with numbers on it. */
  ranges: ReadonlyMap<number, Range>
  /** The outcomes of the other tests (except `Call`) on the path. */
  outcomes: readonly Outcome[]
}

type Range = readonly [lo: number, hi: number]

interface Outcome {
  test: Test
  holds: boolean
}

const NOTHING_KNOWN: Facts = { ranges: new Map(), outcomes: [] }
const ANY_NUMBER: Range = [-Infinity, Infinity]

/**
 * The program with every exit that leads to a test whose outcome is known there sent on to where
 * that test would go; tests no exit reaches any more are dropped. `tests` point to lower indices
 * only (as the builder adds them), and `entry` is where the program starts. The tests' exits are
 * changed in place (the builder's own tests: copies would not share their object shape).
 */
export function skipKnownTests(
  tests: readonly Test[],
  entry: number,
): { tests: Test[]; entry: number } {
  // Exits point downwards, so going down the indices every test is visited after all of the tests
  // that lead to it: what is known on arriving is what all of its ways in have in common.
  const arriving: (Facts | undefined)[] = []
  arriving[entry] = NOTHING_KNOWN
  for (let at = entry; at >= 0; at--) {
    const facts = arriving[at]
    if (facts === undefined) continue // no way in
    const test = tests[at]!
    for (const holds of [true, false]) {
      let known = learn(facts, test, holds)
      let next = holds ? test.yes : test.no
      while (next >= 0) {
        const skipped = tests[next]!
        const outcome = outcomeOf(known, skipped)
        if (outcome === undefined) break
        known = learn(known, skipped, outcome)
        next = outcome ? skipped.yes : skipped.no
      }
      if (holds) test.yes = next
      else test.no = next
      if (next >= 0) {
        const before = arriving[next]
        arriving[next] = before === undefined ? known : common(before, known)
      }
    }
  }
  // Renumber the tests still reached, in the same order (so exits still point downwards).
  const index: number[] = []
  const kept: Test[] = []
  tests.forEach((test, at) => {
    if (arriving[at] === undefined) return
    index[at] = kept.length
    kept.push(test)
  })
  const renumber = (exit: number) => (exit >= 0 ? index[exit]! : exit)
  for (const test of kept) {
    test.yes = renumber(test.yes)
    test.no = renumber(test.no)
  }
  return { tests: kept, entry: index[entry]! }
}

/** What is known after `test` ran on a path where `facts` were known, with outcome `holds`. */
function learn(facts: Facts, test: Test, holds: boolean): Facts {
  if (test.code === Code.Call) return facts
  if (test.code !== Code.Range) {
    return { ranges: facts.ranges, outcomes: [...facts.outcomes, { test, holds }] }
  }
  const [lo, hi] = facts.ranges.get(test.slot) ?? ANY_NUMBER
  const [inLo, inHi] = holds ? [test.lo, test.hi] : outside(test)
  const ranges = new Map(facts.ranges)
  ranges.set(test.slot, [Math.max(lo, inLo), Math.min(hi, inHi)])
  return { ranges, outcomes: facts.outcomes }
}

/**
 * The numbers outside a range test's `[lo, hi]`, when they form one range; else any number (the
 * test then only says that the value is a number, not which).
 */
function outside({ lo, hi }: Test): Range {
  if (lo === -Infinity && hi !== Infinity) return [adjacent(hi, 1), Infinity]
  if (hi === Infinity && lo !== -Infinity) return [-Infinity, adjacent(lo, -1)]
  return ANY_NUMBER
}

/** The outcome of `test` where `facts` are known, if they decide it. */
function outcomeOf(facts: Facts, test: Test): boolean | undefined {
  switch (test.code) {
    case Code.Call:
      return undefined
    case Code.Range: {
      const known = facts.ranges.get(test.slot)
      // An empty range is a path no value takes: left as it is.
      if (known === undefined || known[0] > known[1]) return undefined
      const [lo, hi] = known
      if (lo >= test.lo && hi <= test.hi) return true
      if (hi < test.lo || lo > test.hi) return false
      return undefined
    }
    default:
      return facts.outcomes.find(({ test: earlier }) => sameTest(earlier, test))?.holds
  }
}

/** Whether two tests (neither `Range` nor `Call`) always have the same outcome. */
function sameTest(a: Test, b: Test): boolean {
  return (
    a.code === b.code &&
    a.slot === b.slot &&
    a.string === b.string &&
    a.same === b.same &&
    a.set === b.set
  )
}

/** What is known on both of two paths. */
function common(a: Facts, b: Facts): Facts {
  const ranges = new Map<number, Range>()
  for (const [slot, [lo, hi]] of a.ranges) {
    const other = b.ranges.get(slot)
    if (other) ranges.set(slot, [Math.min(lo, other[0]), Math.max(hi, other[1])])
  }
  const outcomes = a.outcomes.filter(({ test, holds }) =>
    b.outcomes.some((other) => other.holds === holds && sameTest(other.test, test)),
  )
  return { ranges, outcomes }
}
