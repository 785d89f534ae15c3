import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { TokenBuckets, type Rate } from '../../collector/auth/token-buckets.ts'

/** TokenBuckets as first written: the oldest key found with a fresh iterator each time. */
class ReferenceBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>()

  constructor(private readonly maxKeys: number) {}

  waitFor(key: string, cost: number, rate: Rate, now: number): number {
    const bucket = this.buckets.get(key)
    if (!bucket) return 0
    const perMs = rate.limit / rate.periodMs
    const tokens = Math.min(rate.limit, bucket.tokens + (now - bucket.at) * perMs)
    const needed = Math.min(cost, rate.limit)
    return tokens >= needed ? 0 : Math.ceil((needed - tokens) / perMs)
  }

  take(key: string, cost: number, rate: Rate, now: number): number {
    const perMs = rate.limit / rate.periodMs
    const bucket = this.buckets.get(key)
    const tokens = bucket
      ? Math.min(rate.limit, bucket.tokens + (now - bucket.at) * perMs)
      : rate.limit
    this.buckets.delete(key)
    if (tokens < Math.min(cost, rate.limit)) {
      this.buckets.set(key, { tokens, at: now })
      return Math.ceil((Math.min(cost, rate.limit) - tokens) / perMs)
    }
    this.buckets.set(key, { tokens: tokens - cost, at: now })
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!)
    return 0
  }
}

const operation = (keys: number) =>
  fc.record({
    take: fc.boolean(),
    key: fc.integer({ min: 0, max: keys - 1 }).map((n) => `client-${n}`),
    cost: fc.integer({ min: 1, max: 8 }),
    elapsedMs: fc.integer({ min: 0, max: 400 }),
  })

/** Runs the same operations on both and compares every answer, and the keys each still knows. */
function agree(maxKeys: number, keys: number, steps: number) {
  return fc.property(
    fc.array(operation(keys), { minLength: 1, maxLength: steps }),
    (operations) => {
      const rate: Rate = { limit: 5, periodMs: 1000 }
      const buckets = new TokenBuckets(maxKeys)
      const reference = new ReferenceBuckets(maxKeys)
      let now = 0
      for (const { take, key, cost, elapsedMs } of operations) {
        now += elapsedMs
        if (take)
          expect(buckets.take(key, cost, rate, now)).toBe(reference.take(key, cost, rate, now))
        else
          expect(buckets.waitFor(key, cost, rate, now)).toBe(
            reference.waitFor(key, cost, rate, now),
          )
      }
      for (let n = 0; n < keys; n++)
        expect(buckets.waitFor(`client-${n}`, 5, rate, now)).toBe(
          reference.waitFor(`client-${n}`, 5, rate, now),
        )
    },
  )
}

describe('TokenBuckets (least recently used key dropped past maxKeys)', () => {
  it('answers as the fresh-iterator version on any sequence, with few keys kept', () => {
    fc.assert(agree(1, 4, 400), { numRuns: 2000 })
    fc.assert(agree(3, 8, 400), { numRuns: 2000 })
  })

  it('answers as the fresh-iterator version over long runs that make the map compact', () => {
    fc.assert(agree(40, 200, 4000), { numRuns: 100 })
  })
})
