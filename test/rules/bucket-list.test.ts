// A metric's time buckets in memory (rules/state/bucket-list.ts) against the object keyed by bucket
// index that held them before, and that snapshots still hold: the same buckets, listed in the same
// order (the order a window folds them in, which shows in a sum's last digit), the same JSON.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { CountAcc } from '../../rules/aggregate/accumulator.ts'
import { BucketList } from '../../rules/state/bucket-list.ts'

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

/** What the state does to a metric's buckets: add to one (creating it after a drop), drop old ones, merge another's. */
type Step = { kind: 'add'; index: number; oldest: number } | { kind: 'merge'; from: number[] }
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), index, oldest: index }),
  fc.record({ kind: fc.constant('merge' as const), from: fc.uniqueArray(index, { maxLength: 8 }) }),
)

/** The state's steps on the old object, as rules/state/state.ts did them before the bucket list. */
function onObject(buckets: Record<string, CountAcc>, s: Step, counter: { next: number }): void {
  if (s.kind === 'add') {
    let acc = buckets[s.index]
    if (!acc) {
      for (const key of Object.keys(buckets)) if (Number(key) < s.oldest) delete buckets[key]
      acc = buckets[s.index] = { count: 0 }
    }
    acc.count += counter.next++
  } else
    for (const key of s.from) {
      const acc = { count: counter.next++ }
      const target = buckets[key]
      if (target) target.count += acc.count
      else buckets[key] = acc
    }
}

/** The same steps on a bucket list. */
function onList(buckets: BucketList, s: Step, counter: { next: number }): void {
  if (s.kind === 'add') {
    let acc = buckets.get(s.index) as CountAcc | undefined
    if (!acc) {
      buckets.insert(s.index, (acc = { count: 0 }), s.oldest)
    }
    acc.count += counter.next++
  } else
    for (const index of s.from) {
      const acc = { count: counter.next++ }
      const target = buckets.get(index) as CountAcc | undefined
      if (target) target.count += acc.count
      else buckets.insert(index, acc)
    }
}

describe('bucket lists', () => {
  it('hold the buckets of the object they replace, in its key order, and write its JSON', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const object: Record<string, CountAcc> = {}
        const list = new BucketList()
        const objectCounter = { next: 1 }
        const listCounter = { next: 1 }
        for (const s of steps) {
          onObject(object, s, objectCounter)
          onList(list, s, listCounter)
          expect(list.indices).toEqual(Object.keys(object).map(Number))
          expect(list.accumulators).toEqual(Object.values(object))
          expect(JSON.stringify(list)).toBe(JSON.stringify(object))
        }
        // Restored from its JSON, a list is the same list.
        const restored = BucketList.fromRecord(JSON.parse(JSON.stringify(list)))
        expect(restored.indices).toEqual(list.indices)
        expect(restored.accumulators).toEqual(list.accumulators)
        for (const [key, acc] of Object.entries(object)) expect(list.get(Number(key))).toEqual(acc)
      }),
      { numRuns: 2000 },
    )
  })
})
