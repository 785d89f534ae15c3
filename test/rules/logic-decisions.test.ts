import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compileEdgeLogic } from '../../rules/edge/logic.ts'
import { EDGE_FEATURES } from '../../rules/edge/features.ts'
import { genericCompiler } from '../../rules/logic/compile-generic.ts'
import { rangeOf } from '../../rules/logic/decision-test.ts'
import type { Comparison } from '../../rules/logic/values.ts'

// The compiler's decision programs (rules/logic/decision-program.ts: `and`/`or`/`if`/`!`/`!!`
// trees of `var OP constant` tests on slots as one loop) and its `substr` fast path must give
// exactly the generic evaluation's results: the same value (`-0` and `NaN` included) or the same
// error, on any data. The reference is the generic compiler over the same operations, reading the
// values from the objects (no slots, no fast paths).
const generic = genericCompiler(EDGE_FEATURES.operations)
const PATHS = ['metrics.a', 'metrics.b', 'metrics.c', 'tags.t'] as const
const slot = (path: string) => {
  const index = PATHS.indexOf(path as (typeof PATHS)[number])
  return index < 0 ? undefined : index
}

// Data and literals draw from one small pool, so that values often equal the constants they are
// compared with (where `<` and `<=` differ), plus anything else.
const text = fc.constantFrom('', '0', '1', '2.5', 'x', 'flights', 'gold', 'abc/def')
const number = fc.constantFrom(-0, 0, 1, 3, 1e308, -1e308, 2.5, 5e-324, -5e-324)
/** What rules write as constants (JSON: no NaN or Infinity). */
const literal: fc.Arbitrary<unknown> = fc.oneof(
  number,
  fc.integer({ min: -1, max: 3 }),
  text,
  fc.constant(null),
  fc.boolean(),
)
/** What data holds: numbers (NaN, -0, 1e308 …), strings, null, booleans, arrays, objects. */
const dataValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: literal, weight: 6 },
  fc.constantFrom(NaN, Infinity, -Infinity, undefined),
  fc.double(),
  fc.string({ maxLength: 3 }),
  fc.array(fc.oneof(fc.integer({ min: 0, max: 3 }), text), { maxLength: 2 }),
  fc.constant({}),
)
const list = fc.array(fc.oneof(literal, fc.constant([1])), { maxLength: 3 })

const read = fc.oneof(
  fc.constantFrom(...PATHS).map((path) => ({ var: path })),
  fc.constant({ var: 'traits.x' }),
  fc.constant({ var: ['metrics.a', 7] }),
)
const COMPARISONS = ['==', '!=', '<', '<=', '>', '>=', '===', '!=='] as const

const { rule } = fc.letrec<{ rule: unknown; test: unknown }>((tie) => ({
  // A test as tag expressions write them: a slot against a constant, or any expression.
  test: fc.oneof(
    { depthSize: 'small' },
    fc
      .tuple(fc.constantFrom(...COMPARISONS), read, literal)
      .map(([op, a, k]) => ({ [op]: [a, k] })),
    fc.tuple(read, list).map(([a, items]) => ({ in: [a, items] })),
    fc.tuple(read, text).map(([a, k]) => ({ in: [a, k] })),
    fc.tuple(fc.constantFrom(...COMPARISONS), read, read).map(([op, a, b]) => ({ [op]: [a, b] })),
    tie('rule'),
  ),
  rule: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    read,
    literal,
    tie('test'),
    fc
      .tuple(fc.constantFrom('and', 'or'), fc.array(tie('test'), { minLength: 1, maxLength: 4 }))
      .map(([op, args]) => ({ [op]: args })),
    fc
      .tuple(fc.constantFrom('if', '?:'), fc.array(tie('test'), { maxLength: 6 }))
      .map(([op, args]) => ({ [op]: args })),
    fc.tuple(fc.constantFrom('!', '!!'), tie('test')).map(([op, arg]) => ({ [op]: [arg] })),
    fc.tuple(fc.constantFrom('!', '!!'), tie('test')).map(([op, arg]) => ({ [op]: arg })),
    fc.tuple(tie('rule'), literal, fc.option(literal)).map(([source, start, length]) => ({
      substr: length === null ? [source, start] : [source, start, length],
    })),
    fc.tuple(tie('rule'), tie('rule')).map(([a, b]) => ({ cat: ['R', a, b] })),
    fc.tuple(tie('rule'), tie('rule')).map(([a, b]) => ({ '*': [a, b] })),
  ),
}))

function outcome(run: () => unknown): { value: unknown } | { error: string } {
  try {
    return { value: run() }
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) }
  }
}

const values = fc.tuple(dataValue, dataValue, dataValue, dataValue, dataValue)

describe('decision programs and fast paths equal the generic evaluation (property tests)', () => {
  it('gives the same value or error on generated rules and data', () => {
    fc.assert(
      fc.property(rule, fc.array(values, { minLength: 1, maxLength: 4 }), (written, rows) => {
        const compiled = compileEdgeLogic(written, { slot })
        const reference = generic(written)
        for (const [a, b, c, t, x] of rows) {
          const data = { metrics: { a, b, c }, tags: { t }, traits: { x }, v: [a, b, c, t] }
          expect(outcome(() => compiled(data))).toEqual(outcome(() => reference(data)))
        }
      }),
      { numRuns: 3000 },
    )
  })

  // Segment-like chains (`if` of `and`s) on two slots with a few thresholds: later tests are often
  // decided by earlier ones on the path (decision-threading.ts skips them), and values of every type
  // reach them (numbers at and next to the thresholds, numeric and other strings, null, NaN, arrays).
  it('skips only tests whose outcome is decided, on segment-like chains and their text', () => {
    // Mostly two thresholds on mostly one slot, so that tests meet at and next to a threshold.
    const threshold = fc.oneof(
      { arbitrary: fc.constantFrom(1, 3), weight: 4 },
      fc.constantFrom(0, -0, 2.5, 5e-324, '3', 'x', null, true),
    )
    const slotted = fc.oneof(
      { arbitrary: fc.constant({ var: 'metrics.a' }), weight: 3 },
      fc.constant({ var: 'metrics.b' }),
    )
    const check = fc.oneof(
      fc
        .tuple(fc.constantFrom(...COMPARISONS), slotted, threshold)
        .map(([op, a, k]) => ({ [op]: [a, k] })),
      fc.tuple(fc.constantFrom('!', '!!'), slotted).map(([op, a]) => ({ [op]: [a] })),
      fc.tuple(slotted, fc.constantFrom([1, 3], ['x', null])).map(([a, k]) => ({ in: [a, k] })),
    )
    const chain = fc
      .array(
        fc.tuple(
          fc.constantFrom('and', 'or'),
          fc.array(check, { minLength: 1, maxLength: 4 }),
          fc.constantFrom('high', 'low', 3),
        ),
        { minLength: 1, maxLength: 5 },
      )
      .chain((branches) =>
        fc.option(fc.constantFrom('else', null)).map((otherwise) => ({
          if: [
            ...branches.flatMap(([op, checks, label]) => [{ [op]: checks }, label]),
            ...(otherwise === null ? [] : [otherwise]),
          ],
        })),
      )
    // As text: `cat` of constants and programs that end in constants (choice-text.ts).
    const segment = fc.oneof(
      chain,
      fc.tuple(chain, chain).map(([first, second]) => ({ cat: ['R', first, 'F', second] })),
    )
    const value = fc.oneof(
      {
        arbitrary: fc.constantFrom(
          0,
          -0,
          1,
          3,
          2.5,
          5e-324,
          2.9999999999999996,
          3.0000000000000004,
        ),
        weight: 6,
      },
      fc.constantFrom(
        null,
        undefined,
        NaN,
        Infinity,
        -Infinity,
        '',
        '3',
        '2.5',
        'x',
        true,
        false,
        [3],
        [],
      ),
      fc.double(),
    )
    fc.assert(
      fc.property(
        segment,
        fc.array(fc.tuple(value, value), { minLength: 1, maxLength: 6 }),
        (written, rows) => {
          const compiled = compileEdgeLogic(written, { slot })
          const reference = generic(written)
          for (const [a, b] of rows) {
            const data = { metrics: { a, b }, tags: {}, traits: {}, v: [a, b] }
            expect(outcome(() => compiled(data))).toEqual(outcome(() => reference(data)))
          }
        },
      ),
      { numRuns: 3000 },
    )
  })

  it('tells -0 from 0 and NaN from null, as the generic evaluation does', () => {
    const data = (a: unknown) => ({ metrics: { a }, tags: {}, traits: {}, v: [a] })
    for (const written of [
      { if: [{ '>=': [{ var: 'metrics.a' }, 0] }, { var: 'metrics.a' }, 'no'] },
      { or: [{ '===': [{ var: 'metrics.a' }, 1] }, { var: 'metrics.a' }] },
      { and: [{ '!!': { var: 'metrics.a' } }, { var: 'metrics.a' }] },
    ]) {
      const compiled = compileEdgeLogic(written, { slot })
      for (const a of [-0, 0, NaN, null, 1e308, '', []]) {
        expect(outcome(() => compiled(data(a)))).toEqual(outcome(() => generic(written)(data(a))))
      }
    }
  })
})

describe('comparisons against a number as ranges of doubles (rangeOf)', () => {
  // Doubles next to each other, zeros, the extremes and infinities: where a range is off by one
  // step if at all.
  const edge = fc.constantFrom(
    0,
    -0,
    Number.MIN_VALUE,
    -Number.MIN_VALUE,
    Number.MAX_VALUE,
    -Number.MAX_VALUE,
    Infinity,
    -Infinity,
    1,
    1 + Number.EPSILON,
    1 - Number.EPSILON / 2,
    -1,
    3,
    2.5,
  )
  const double = fc.oneof(edge, fc.double({ noNaN: true }))

  it('x is in the range of `op k` exactly when `x op k` holds (`!=`: when it does not)', () => {
    // `!=` gives the range of `==` (the program swaps its exits).
    const inside: Record<Comparison, (x: number, k: number) => boolean> = {
      '<': (x, k) => x < k,
      '<=': (x, k) => x <= k,
      '>': (x, k) => x > k,
      '>=': (x, k) => x >= k,
      '==': (x, k) => x === k,
      '!=': (x, k) => x === k,
    }
    fc.assert(
      fc.property(
        fc.constantFrom<Comparison>('<', '<=', '>', '>=', '==', '!='),
        double,
        double,
        (op, x, k) => {
          const [lo, hi] = rangeOf(op, k)
          expect(x >= lo && x <= hi).toBe(inside[op](x, k))
        },
      ),
      { numRuns: 20000 },
    )
  })
})
