import type { Accumulator } from '../aggregate/accumulator.ts'

/** Whether `index` is a JavaScript array index, which objects list before their other keys, ascending. */
const isArrayIndex = (index: number): boolean => index >= 0 && index <= 0xfffffffe

/**
 * A profile's sliding-window time buckets, of all its metrics: each bucket's metric id, index
 * and accumulator, in three parallel arrays.
 *
 * On disk they are an object by metric id of objects keyed by bucket index (see `ProfileJson`).
 * In memory such objects, keyed by integers near 40,000 (or 1.7 billion for a minute's window),
 * are slow dictionaries, and listing their keys makes a string of every index. A Map of one
 * list per metric (two arrays each) read without either, but `tagwise eval` on a long sparse
 * history held 9 such lists per profile with 1.1 buckets each: 1.9 KB per profile, a fifth of
 * its heap. The three arrays hold about 10 buckets per profile, with no Map and no list objects;
 * a metric's newest bucket, where events land, is found from the end and goes at the end.
 *
 * A metric's buckets keep the order in which its object lists its keys, which is the order a
 * window folds them in (a `sum`'s merge rounds, a `distinct`'s applies its cap, so the order
 * shows in the last digit): array indices ascending, then the other keys (indices before 1970,
 * or past 2^32 − 2 for a minute's window in the year 2106 and after) as they were added. The
 * buckets of different metrics may interleave; {@link ids} keeps the order of the metrics'
 * keys. `toJSON` writes the objects, key for key, so a snapshot reads as it always did.
 */
export class ProfileBuckets {
  /**
   * The metrics that have buckets, in the order the snapshot's object lists them (as they were
   * first given one). A metric may have none left (a snapshot's `{}`, or a sample already
   * outside the window): it is still listed.
   */
  metrics: string[] = []
  /** Each bucket's metric id. */
  ids: string[] = []
  /** Each bucket's index (see rules/metric/window.ts). */
  indices: number[] = []
  /** Each bucket's accumulator. */
  accumulators: Accumulator[] = []

  /** The buckets of a snapshot's object, in its key order. */
  static fromJSON(record: Record<string, Record<string, Accumulator>>): ProfileBuckets {
    const buckets = new ProfileBuckets()
    for (const [id, byIndex] of Object.entries(record)) {
      buckets.metrics.push(id)
      for (const key of Object.keys(byIndex)) {
        buckets.ids.push(id)
        buckets.indices.push(Number(key))
        buckets.accumulators.push(byIndex[key]!)
      }
    }
    return buckets
  }

  /** Whether metric `id` is listed (it may have no buckets left). */
  has(id: string): boolean {
    return this.metrics.includes(id)
  }

  /** Lists metric `id` with no buckets, if it is not listed yet. */
  list(id: string): void {
    if (this.has(id)) return
    // Copied rather than grown: a grown array keeps room for 16 more, and this happens once per
    // metric (`[...metrics, id]` grew the spread copy by one and took that room again: 280 bytes
    // for 6 ids, 123 at the exact length). Into an array of the exact length by a loop: `concat`,
    // which allocates that too, is a generic builtin, 2–5× slower, and a profile's first bucket of
    // each metric takes this path (2 % of `tagwise eval` on the long history).
    const metrics = this.metrics
    const listed = new Array<string>(metrics.length + 1)
    for (let at = 0; at < metrics.length; at++) listed[at] = metrics[at]!
    listed[metrics.length] = id
    this.metrics = listed
  }

  /** The accumulator of metric `id`'s bucket `index`, or `undefined`. */
  get(id: string, index: number): Accumulator | undefined {
    const { ids, indices } = this
    // The newest bucket, where events mostly land, is usually among the last.
    for (let at = ids.length - 1; at >= 0; at--)
      if (indices[at] === index && ids[at] === id) return this.accumulators[at]
    return undefined
  }

  /**
   * Adds metric `id`'s bucket `index`, which it does not hold, where its object would list the
   * key, after dropping its buckets below `oldest` (none by default), as deleting their keys would.
   */
  insert(id: string, index: number, acc: Accumulator, oldest = -Infinity): void {
    const { ids, indices, accumulators } = this
    // One pass finds whether the metric has a bucket (then it is listed: every metric with a
    // bucket is) and its first bucket below `oldest`, so the metric list is searched only for a
    // metric's first bucket, not for every new bucket (283k of them in `tagwise eval` on the
    // long history of `npm run bench cli`).
    let held = false
    for (let at = 0; at < ids.length; at++) {
      if (ids[at] !== id) continue
      held = true
      if (indices[at]! < oldest) {
        this.drop(id, oldest, at)
        break
      }
    }
    if (!held) this.list(id)
    // Before each of the metric's buckets that its object lists after `index` (none when `index`
    // is not an array index: listed after all, as added); else last, at the end: the newest
    // bucket, the usual one, is pushed.
    let at = ids.length
    if (isArrayIndex(index))
      for (let before = ids.length - 1; before >= 0; before--) {
        if (ids[before] !== id) continue
        if (isArrayIndex(indices[before]!) && indices[before]! < index) break
        at = before
      }
    ids.push(id)
    indices.push(index)
    accumulators.push(acc)
    for (let from = ids.length - 1; from > at; from--) {
      ids[from] = ids[from - 1]!
      indices[from] = indices[from - 1]!
      accumulators[from] = accumulators[from - 1]!
    }
    ids[at] = id
    indices[at] = index
    accumulators[at] = acc
  }

  /** Drops metric `id`'s buckets below `oldest`, the first of them at `first`, compacting in place. */
  private drop(id: string, oldest: number, first: number): void {
    const { ids, indices, accumulators } = this
    let size = first
    for (let from = first + 1; from < ids.length; from++) {
      if (ids[from] === id && indices[from]! < oldest) continue
      ids[size] = ids[from]!
      indices[size] = indices[from]!
      accumulators[size++] = accumulators[from]!
    }
    ids.length = indices.length = accumulators.length = size
  }

  /** The snapshot's form: an object by metric id of objects keyed by bucket index, in this order. */
  toJSON(): Record<string, Record<string, Accumulator>> {
    return Object.fromEntries(
      this.metrics.map((id) => {
        const byIndex: Record<string, Accumulator> = {}
        for (let at = 0; at < this.ids.length; at++)
          if (this.ids[at] === id) byIndex[String(this.indices[at])] = this.accumulators[at]!
        return [id, byIndex]
      }),
    )
  }
}
