/** A rate: at most `limit` units per `periodMs`, with bursts up to `limit`. */
export interface Rate {
  limit: number
  periodMs: number
}

/**
 * Parses a rate written `"<count>/<seconds>"` (for example `"1200/60"`: 1,200 per minute). A
 * malformed value is the operator's mistake: it throws, naming `name` and the expected form.
 */
export function parseRate(text: string, name: string): Rate {
  const slash = text.indexOf('/')
  const limit = Number(text.slice(0, slash))
  const seconds = Number(text.slice(slash + 1))
  if (slash === -1 || !(limit >= 1) || !(seconds > 0) || !Number.isInteger(limit))
    throw new Error(
      `${name} must be "<count>/<seconds>", like "1200/60" (got ${JSON.stringify(text)})`,
    )
  return { limit, periodMs: seconds * 1000 }
}

/**
 * Token buckets by key: each holds up to `limit` tokens and refills at `limit / periodMs`. A cost
 * larger than the bucket passes when the bucket is full and leaves it in debt, so an oversized
 * batch is throttled, never refused forever. At most `maxKeys` buckets are kept (least recently
 * used dropped first: a dropped key starts full again, erring on the side of letting traffic in).
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>()
  /**
   * Where the least recently used key is found: one iterator kept over `buckets`. Every key it
   * has passed was dropped or moved to the end (taken again), so its next key is the oldest.
   * `buckets.keys().next()` from a fresh iterator found the same key, but stepped over every
   * slot dropped since the map last compacted: at 10,000 keys ~6 µs per request, 5 % of the
   * Worker's CPU for a batch, once an isolate had seen more clients than it keeps.
   */
  private oldest = this.buckets.keys()

  constructor(private readonly maxKeys: number) {}

  /** The ms until `key` has `cost` tokens at `now` (`0`: it has them), taking none. */
  waitFor(key: string, cost: number, rate: Rate, now: number): number {
    const bucket = this.buckets.get(key)
    if (!bucket) return 0
    const perMs = rate.limit / rate.periodMs
    const tokens = Math.min(rate.limit, bucket.tokens + (now - bucket.at) * perMs)
    const needed = Math.min(cost, rate.limit)
    return tokens >= needed ? 0 : Math.ceil((needed - tokens) / perMs)
  }

  /** Takes `cost` tokens for `key` at `now`: `0` when allowed, else the ms to wait before a retry. */
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
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.leastRecentlyUsed())
    return 0
  }

  private leastRecentlyUsed(): string {
    let next = this.oldest.next()
    // Only after the iterator ran past the last key (an iterator that is done stays done).
    if (next.done) next = (this.oldest = this.buckets.keys()).next()
    return next.value!
  }
}
