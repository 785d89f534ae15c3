// Aggregators: folds whose accumulators also merge, which time buckets, sessions joined by a late
// event and identity merges need. Only the full profile state has them (the edge, the CLI); a
// device state keeps one session and never merges, so devices carry folds only.
import { better } from './accumulator.ts'
import { addCarried } from './carried-sum.ts'
import type {
  Accumulator,
  AccumulatorOf,
  DwellAcc,
  ExtremeAcc,
  Fold,
  OrderedAcc,
  SinceAcc,
  SumAcc,
} from './accumulator.ts'
import { topAdd } from './folds.ts'
import { DISTINCT_CAP } from './rare-folds.ts'
import type { Aggregation } from '../document/document.ts'

/** A {@link Fold} whose accumulators also merge (time buckets, sessions, identity merges). */
export interface Aggregator<A extends Accumulator = Accumulator> extends Fold<A> {
  merge(into: A, from: A): void
  /**
   * Whether an accumulator merged into a fresh one has the same value as itself, so that a window
   * holding only that accumulator reads it without a fold (see {@link READ_ALONE}).
   */
  readsAlone: boolean
  /**
   * An accumulator nothing was added to, shared by every window that holds none, and only read:
   * `value` never writes its accumulator. `tagwise eval` reads every metric of every profile, and
   * most of a profile's windows are empty; a fresh accumulator for each was a quarter of an
   * evaluation.
   */
  readonly empty: A
}

/**
 * The aggregations whose merge into a fresh accumulator copies what the value reads. Not `sum`,
 * `avg` and the dwells, whose merge rounds the compensation anew (and a carried sum may then read
 * differently in its last bit), nor `distinct` and `top`, whose merge applies the cap again (a
 * restored snapshot may hold more).
 */
export const READ_ALONE: ReadonlySet<Aggregation> = /* @__PURE__ */ new Set<Aggregation>([
  'count',
  'min',
  'max',
  'first',
  'last',
  'since_first',
  'since_last',
])

type Merge<A extends Accumulator> = (into: A, from: A) => void

const mergeExtreme =
  (pick: (a: number, b: number) => number): Merge<ExtremeAcc> =>
  (into, from) => {
    if (from.extreme !== null)
      into.extreme = into.extreme === null ? from.extreme : pick(into.extreme, from.extreme)
  }

const mergeOrdered =
  (wantLater: boolean): Merge<OrderedAcc> =>
  (into, from) => {
    if (from.ts !== null && better(wantLater, from.ts, from.seq, into)) {
      into.ts = from.ts
      into.seq = from.seq
      into.value = from.value
    }
  }

const mergeSince =
  (pick: (a: number, b: number) => number): Merge<SinceAcc> =>
  (into, from) => {
    if (from.time !== null) into.time = into.time === null ? from.time : pick(into.time, from.time)
  }

const mergeSum: Merge<SumAcc> = (into, from) => {
  addCarried(into, from.sum)
  addCarried(into, from.compensation)
  if (from.carry) into.carry = (into.carry ?? 0) + from.carry
}
const mergeMax = /* @__PURE__ */ mergeExtreme(Math.max)
const mergeDwell: Merge<DwellAcc> = (into, from) => {
  mergeSum(into, from)
  mergeMax(into, from)
}

const MERGES: { [K in Aggregation]: Merge<AccumulatorOf[K]> } = {
  count: (into, from) => {
    into.count += from.count
  },
  sum: mergeSum,
  avg: (into, from) => {
    mergeSum(into, from)
    into.count += from.count
  },
  min: /* @__PURE__ */ mergeExtreme(Math.min),
  max: mergeMax,
  distinct: (into, from) => {
    const values = into.values
    let size = Object.keys(values).length
    for (const key of Object.keys(from.values)) {
      if (values[key] === undefined && size < DISTINCT_CAP) {
        values[key] = 1
        size++
      }
    }
  },
  top: (into, from) => {
    for (const [key, [count, ts, seq]] of Object.entries(from.values))
      topAdd(into.values, key, count, ts, seq)
  },
  first: /* @__PURE__ */ mergeOrdered(false),
  last: /* @__PURE__ */ mergeOrdered(true),
  since_first: /* @__PURE__ */ mergeSince(Math.min),
  since_last: /* @__PURE__ */ mergeSince(Math.max),
  dwell: mergeDwell,
  dwell_max: mergeDwell,
}

/** The aggregator of an aggregation, from its fold. */
export const aggregator = <K extends Aggregation>(
  agg: K,
  fold: Fold<AccumulatorOf[K]>,
): Aggregator<AccumulatorOf[K]> => ({
  ...fold,
  merge: MERGES[agg],
  readsAlone: READ_ALONE.has(agg),
  empty: fold.create(),
})
