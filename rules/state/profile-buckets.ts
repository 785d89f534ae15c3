import type { Accumulator } from '../aggregate/accumulator.ts'

/** Whether `index` is a JavaScript array index, which objects list before their other keys, ascending. */
const isArrayIndex = (index: number): boolean => index >= 0 && index <= 0xfffffffe

/**
 * A profile's sliding-window time buckets, of all its metrics: each bucket's index and accumulator,
 * in two parallel arrays, grouped by metric: metric `metrics[g]`'s buckets are the group `g`,
 * from `groupStart(g)` to `groupEnd(g)`.
 *
 * On disk they are an object by metric id of objects keyed by bucket index (see `ProfileJson`).
 * In memory such objects, keyed by integers near 40,000 (or 1.7 billion for a minute's window),
 * are slow dictionaries, and listing their keys makes a string of every index. A Map of one
 * list per metric (two arrays each) read without either, but `tagwise eval` on a long sparse
 * history held 9 such lists per profile with 1.1 buckets each: 1.9 KB per profile, a fifth of
 * its heap. The arrays hold about 10 buckets per profile, with no Map and no list objects.
 *
 * Grouped, a window folds its own buckets only: with its metrics' buckets interleaved, each fold
 * and each search for a window's next jump read every bucket of the profile, and a profile with
 * 100 sliding metrics and a week of hourly events (6,000 buckets) took 180 ms per evaluation with
 * `nextChangeAt` (issue 19).
 *
 * A metric's buckets keep the order in which its object lists its keys, which is the order a
 * window folds them in (a `sum`'s merge rounds, a `distinct`'s applies its cap, so the order
 * shows in the last digit): array indices ascending, then the other keys (indices before 1970,
 * or past 2^32 − 2 for a minute's window in the year 2106 and after) as they were added. The
 * groups are in the order of {@link metrics}, the order of the snapshot's keys. `toJSON` writes
 * the objects, key for key, so a snapshot reads as it always did.
 */
export class ProfileBuckets {
  /**
   * The metrics that have buckets, in the order the snapshot's object lists them (as they were
   * first given one). A metric may have none left (a snapshot's `{}`, or a sample already
   * outside the window): it is still listed, with an empty group.
   */
  metrics: string[] = []
  /** Where each metric's group ends (exclusive), by its place in {@link metrics}. */
  private ends: number[] = []
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
        buckets.indices.push(Number(key))
        buckets.accumulators.push(byIndex[key]!)
      }
      buckets.ends.push(buckets.indices.length)
    }
    return buckets
  }

  /** The group of metric `id` (its place in {@link metrics}), or -1 when it is not listed. */
  groupOf(id: string): number {
    return this.metrics.indexOf(id)
  }

  /** Where group `group`'s buckets start (an empty range for -1). */
  groupStart(group: number): number {
    return group > 0 ? this.ends[group - 1]! : 0
  }

  /** Where group `group`'s buckets end, exclusive (an empty range for -1). */
  groupEnd(group: number): number {
    return group >= 0 ? this.ends[group]! : 0
  }

  /** Lists metric `id` with no buckets, if it is not listed yet; returns its group. */
  list(id: string): number {
    const listed = this.groupOf(id)
    if (listed !== -1) return listed
    // Copied rather than grown: a grown array keeps room for 16 more, and this happens once per
    // metric (`[...metrics, id]` grew the spread copy by one and took that room again: 280 bytes
    // for 6 ids, 123 at the exact length). Into arrays of the exact length by a loop: `concat`,
    // which allocates that too, is a generic builtin, 2–5× slower, and a profile's first bucket of
    // each metric takes this path (2 % of `tagwise eval` on the long history).
    this.metrics = appended(this.metrics, id)
    this.ends = appended(this.ends, this.indices.length)
    return this.metrics.length - 1
  }

  /** The accumulator of metric `id`'s bucket `index`, or `undefined`. */
  get(id: string, index: number): Accumulator | undefined {
    const group = this.groupOf(id)
    // The newest bucket, where events mostly land, is usually the group's last.
    for (let at = this.groupEnd(group) - 1; at >= this.groupStart(group); at--)
      if (this.indices[at] === index) return this.accumulators[at]
    return undefined
  }

  /**
   * Adds metric `id`'s bucket `index`, which it does not hold, where its object would list the
   * key, after dropping its buckets below `oldest` (none by default), as deleting their keys would.
   */
  insert(id: string, index: number, acc: Accumulator, oldest = -Infinity): void {
    const group = this.list(id)
    this.drop(group, oldest)
    const { indices, accumulators, ends } = this
    const start = this.groupStart(group)
    // Before the first of the group's buckets that its object lists after `index` (none when
    // `index` is not an array index: listed after all, as added); else at the group's end: the
    // newest bucket, the usual one, goes last.
    let at = ends[group]!
    if (isArrayIndex(index))
      while (at > start && !(isArrayIndex(indices[at - 1]!) && indices[at - 1]! < index)) at--
    indices.push(index)
    accumulators.push(acc)
    for (let from = indices.length - 1; from > at; from--) {
      indices[from] = indices[from - 1]!
      accumulators[from] = accumulators[from - 1]!
    }
    indices[at] = index
    accumulators[at] = acc
    for (let later = group; later < ends.length; later++) ends[later]!++
  }

  /** Drops group `group`'s buckets below `oldest`, compacting the arrays in place. */
  private drop(group: number, oldest: number): void {
    const { indices, accumulators, ends } = this
    const start = this.groupStart(group)
    const end = ends[group]!
    let size = start
    for (let from = start; from < end; from++) {
      if (indices[from]! < oldest) continue
      indices[size] = indices[from]!
      accumulators[size++] = accumulators[from]!
    }
    const dropped = end - size
    if (dropped === 0) return
    for (let from = end; from < indices.length; from++) {
      indices[from - dropped] = indices[from]!
      accumulators[from - dropped] = accumulators[from]!
    }
    indices.length = accumulators.length = indices.length - dropped
    for (let later = group; later < ends.length; later++) ends[later]! -= dropped
  }

  /** The snapshot's form: an object by metric id of objects keyed by bucket index, in this order. */
  toJSON(): Record<string, Record<string, Accumulator>> {
    return Object.fromEntries(
      this.metrics.map((id, group) => {
        const byIndex: Record<string, Accumulator> = {}
        for (let at = this.groupStart(group); at < this.groupEnd(group); at++)
          byIndex[String(this.indices[at])] = this.accumulators[at]!
        return [id, byIndex]
      }),
    )
  }
}

/** `items` and `item` in a new array of the exact length. */
function appended<T>(items: readonly T[], item: T): T[] {
  const copy = new Array<T>(items.length + 1)
  for (let at = 0; at < items.length; at++) copy[at] = items[at]!
  copy[items.length] = item
  return copy
}
