// A profile's time buckets in memory (rules/state/profile-buckets.ts) against the objects keyed by
// metric id and bucket index that held them before, and that snapshots still hold: the same
// buckets, each metric's listed in the same order (the order a window folds them in, which shows
// in a sum's last digit), the same JSON. Issue 19 replaced a Map of one list per metric with parallel
// arrays per profile, then grouped them by metric; these are the steps the state takes on them.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { CountAcc } from '../../rules/aggregate/accumulator.ts'
import { ProfileBuckets } from '../../rules/state/profile-buckets.ts'

// Bucket indices of every kind an object orders differently: array indices (listed first,
// ascending, up to 2^32 − 2), and the others (listed after them as added): indices before 1970,
// and past 2^32 − 2 (a minute's window from 2106 on).
const index = fc.oneof(
  fc.integer({ min: 0, max: 80 }),
  fc.integer({ min: 40_000, max: 40_080 }),
  fc.integer({ min: 0xfffffffe - 3, max: 0xfffffffe + 3 }),
  fc.integer({ min: -80, max: -1 }),
  fc.integer({ min: 250_000_000_000, max: 250_000_000_080 }),
)
// Metric ids, one that an object lists before the others (an array index).
const metric = fc.constantFrom('orders_30d', 'revenue_365d', 'views_7d', '7')

/**
 * What the state does to a profile's buckets: add to a metric's bucket (creating it after a drop),
 * list a metric whose sample fell outside its window, merge another profile's buckets of a metric.
 */
type Step =
  | { kind: 'add'; metric: string; index: number; oldest: number }
  | { kind: 'list'; metric: string }
  | { kind: 'merge'; metric: string; from: number[] }
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), metric, index, oldest: index }),
  fc.record({ kind: fc.constant('list' as const), metric }),
  fc.record({
    kind: fc.constant('merge' as const),
    metric,
    from: fc.uniqueArray(index, { maxLength: 8 }),
  }),
)

type Objects = Record<string, Record<string, CountAcc>>

/** The state's steps on the old objects, as rules/state/state.ts did them before the bucket lists. */
function onObjects(objects: Objects, s: Step, counter: { next: number }): void {
  const buckets = (objects[s.metric] ??= {})
  if (s.kind === 'add') {
    let acc = buckets[s.index]
    if (!acc) {
      for (const key of Object.keys(buckets)) if (Number(key) < s.oldest) delete buckets[key]
      acc = buckets[s.index] = { count: 0 }
    }
    acc.count += counter.next++
  } else if (s.kind === 'merge')
    for (const key of s.from) {
      const acc = { count: counter.next++ }
      const target = buckets[key]
      if (target) target.count += acc.count
      else buckets[key] = acc
    }
}

/** The same steps on a profile's buckets. */
function onBuckets(buckets: ProfileBuckets, s: Step, counter: { next: number }): void {
  buckets.list(s.metric)
  if (s.kind === 'add') {
    let acc = buckets.get(s.metric, s.index) as CountAcc | undefined
    if (!acc) buckets.insert(s.metric, s.index, (acc = { count: 0 }), s.oldest)
    acc.count += counter.next++
  } else if (s.kind === 'merge')
    for (const index of s.from) {
      const acc = { count: counter.next++ }
      const target = buckets.get(s.metric, index) as CountAcc | undefined
      if (target) target.count += acc.count
      else buckets.insert(s.metric, index, acc)
    }
}

/** A metric's buckets in the order a window folds them. */
function ofMetric(buckets: ProfileBuckets, id: string): [number, CountAcc][] {
  const out: [number, CountAcc][] = []
  const group = buckets.groupOf(id)
  for (let at = buckets.groupStart(group); at < buckets.groupEnd(group); at++)
    out.push([buckets.indices[at]!, buckets.accumulators[at] as CountAcc])
  return out
}

function expectSame(buckets: ProfileBuckets, objects: Objects): void {
  expect(JSON.stringify(buckets)).toBe(JSON.stringify(objects))
  expect([...buckets.metrics].sort()).toEqual(Object.keys(objects).sort())
  for (const [id, object] of Object.entries(objects)) {
    expect(ofMetric(buckets, id)).toEqual(
      Object.entries(object).map(([key, acc]) => [Number(key), acc]),
    )
    for (const [key, acc] of Object.entries(object))
      expect(buckets.get(id, Number(key))).toEqual(acc)
  }
}

describe('profile buckets', () => {
  it('hold the buckets of the objects they replace, each metric in its key order, and write their JSON (property)', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const objects: Objects = {}
        const buckets = new ProfileBuckets()
        const objectCounter = { next: 1 }
        const bucketCounter = { next: 1 }
        for (const s of steps) {
          onObjects(objects, s, objectCounter)
          onBuckets(buckets, s, bucketCounter)
          expectSame(buckets, objects)
        }
        // Restored from their JSON, they are the same buckets.
        expectSame(ProfileBuckets.fromJSON(JSON.parse(JSON.stringify(buckets))), objects)
      }),
      { numRuns: 2000 },
    )
  })
})
