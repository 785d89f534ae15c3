import type { Accumulator } from '../aggregate/accumulator.ts'

/** Whether `index` is a JavaScript array index, which objects list before their other keys, ascending. */
const isArrayIndex = (index: number): boolean => index >= 0 && index <= 0xfffffffe

/** A copy of `array` with `item` at `at`, allocated at its length (`push` and `concat` are not: see BucketList). */
function inserted<T>(array: readonly T[], at: number, item: T): T[] {
  const out = new Array<T>(array.length + 1)
  for (let from = 0; from < at; from++) out[from] = array[from]!
  out[at] = item
  for (let from = at; from < array.length; from++) out[from + 1] = array[from]!
  return out
}

/**
 * One sliding-window metric's time buckets: their indices and accumulators, in parallel arrays.
 *
 * On disk a metric's buckets are a JSON object keyed by bucket index (see `ProfileJson`). In
 * memory such an object, keyed by integers near 40,000 (or 1.7 billion for a minute's window),
 * is a slow dictionary, and listing its keys makes a string of every index: the CLI's profile
 * showed `add` and `windowValue` at 15 % of its time. Two short arrays (at most about 60 buckets
 * are kept) are read without either.
 *
 * The entries keep the order in which the object lists its keys, which is the order a window
 * folds them in (a `sum`'s merge rounds, a `distinct`'s applies its cap, so the order shows in
 * the last digit): array indices ascending, then the other keys (indices before 1970, or past
 * 2^32 − 2 for a minute's window in the year 2106 and after) as they were added. `toJSON` writes
 * that object, key for key, so a snapshot reads as it always did.
 */
export class BucketList {
  // Replaced rather than grown: an array that `push` grows keeps room for 16 more, and most
  // metrics of most profiles hold a single bucket (1.1 on average on the CLI's large history).
  // `concat`, which would allocate the result at its length, cost 2 % of the CLI's time.
  indices: number[] = []
  accumulators: Accumulator[] = []

  /** The buckets of a snapshot's object, in its key order. */
  static fromRecord(record: Record<string, Accumulator>): BucketList {
    const list = new BucketList()
    const keys = Object.keys(record)
    list.indices = keys.map(Number)
    list.accumulators = keys.map((key) => record[key]!)
    return list
  }

  /** The accumulator of bucket `index`, or `undefined`. */
  get(index: number): Accumulator | undefined {
    const { indices } = this
    // The newest bucket, where events mostly land, is usually the last.
    for (let at = indices.length - 1; at >= 0; at--)
      if (indices[at] === index) return this.accumulators[at]
    return undefined
  }

  /**
   * Adds bucket `index`, which the list does not hold, where the object would list its key, after
   * dropping the buckets below `oldest` (none by default), as deleting their keys would.
   */
  insert(index: number, acc: Accumulator, oldest = -Infinity): void {
    const { indices, accumulators } = this
    let kept = 0
    for (const held of indices) if (!(held < oldest)) kept++
    if (kept === indices.length) {
      const at = this.position(kept, index)
      this.indices = inserted(indices, at, index)
      this.accumulators = inserted(accumulators, at, acc)
      return
    }
    // Some leave (mostly as many as arrive, a profile's visits being weeks apart): the arrays
    // are compacted in place and do not grow, so the steady state allocates nothing.
    let size = 0
    for (let from = 0; from < indices.length; from++)
      if (!(indices[from]! < oldest)) {
        indices[size] = indices[from]!
        accumulators[size++] = accumulators[from]!
      }
    const at = this.position(size, index)
    for (let from = size; from > at; from--) {
      indices[from] = indices[from - 1]!
      accumulators[from] = accumulators[from - 1]!
    }
    indices[at] = index
    accumulators[at] = acc
    indices.length = accumulators.length = size + 1
  }

  /** Where among the first `size` buckets bucket `index` goes: array indices ascending, then the others as added. */
  private position(size: number, index: number): number {
    const { indices } = this
    let at = size
    if (isArrayIndex(index))
      while (at > 0 && !(isArrayIndex(indices[at - 1]!) && indices[at - 1]! < index)) at--
    return at
  }

  /** The snapshot's form: an object keyed by bucket index, listing its keys in this list's order. */
  toJSON(): Record<string, Accumulator> {
    const record: Record<string, Accumulator> = {}
    for (let at = 0; at < this.indices.length; at++)
      record[String(this.indices[at])] = this.accumulators[at]!
    return record
  }
}
