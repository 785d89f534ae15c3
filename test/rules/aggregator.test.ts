// Aggregators (rules/aggregate/aggregator.ts): a window holding a single accumulator of an
// aggregation that `readsAlone` reads it as it is (rules/state/window-fold.ts, `windowValue`),
// which must equal merging it into a fresh accumulator first, as the fold over many does.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { aggregator, READ_ALONE } from '../../rules/aggregate/aggregator.ts'
import { AGGREGATIONS } from '../../rules/document/document.ts'
import { EDGE_FEATURES } from '../../rules/edge/features.ts'

// Values as events carry them: numbers of every magnitude (and -0), strings, booleans, null, JSON.
const value = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.constantFrom(0, -0, 1e308, -1e308, Number.MAX_VALUE),
  fc.string({ maxLength: 6 }),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.jsonValue({ maxDepth: 2 }),
)
const sample = fc.record({
  value,
  ts: fc.integer({ min: 0, max: 4_000_000_000_000 }),
  seq: fc.nat({ max: 50 }),
})

describe('aggregators', () => {
  it('read alone exactly the aggregations whose merge into a fresh accumulator keeps the value', () => {
    for (const agg of READ_ALONE) expect(AGGREGATIONS).toContain(agg)
    for (const agg of AGGREGATIONS)
      expect(aggregator(agg, EDGE_FEATURES.folds[agg]!).readsAlone).toBe(READ_ALONE.has(agg))
  })

  it('give the same value for an accumulator and for it merged into a fresh one', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...READ_ALONE),
        fc.array(sample, { maxLength: 12 }),
        fc.integer({ min: 0, max: 4_000_000_000_000 }),
        (agg, samples, now) => {
          const folds = aggregator(agg, EDGE_FEATURES.folds[agg]!)
          const acc = folds.create()
          for (const one of samples) folds.add(acc, one)
          const merged = folds.create()
          folds.merge(merged, acc)
          expect(folds.value(acc, now)).toStrictEqual(folds.value(merged, now))
        },
      ),
      { numRuns: 2000 },
    )
  })

  // A window that holds no accumulator is read from `empty`, one accumulator shared by every
  // state of the rules: a read that wrote into it would leak into every profile's empty windows.
  it('read an empty window from the shared empty accumulator, which reading leaves as it was', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...AGGREGATIONS),
        fc.array(fc.integer({ min: 0, max: 4_000_000_000_000 }), { minLength: 1, maxLength: 4 }),
        (agg, nows) => {
          const folds = aggregator(agg, EDGE_FEATURES.folds[agg]!)
          for (const now of nows)
            expect(folds.value(folds.empty, now)).toStrictEqual(folds.value(folds.create(), now))
          expect(folds.empty).toStrictEqual(folds.create())
        },
      ),
    )
  })
})
