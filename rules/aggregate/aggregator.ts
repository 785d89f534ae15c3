// Aggregators: folds whose accumulators also merge, which time buckets, sessions joined by a late
// event and identity merges need. Only the full profile state has them (the edge, the CLI); a
// device state keeps one session and never merges, so devices carry folds only.
import { addCompensated, better } from './accumulator.ts'
import type { Acc, Fold } from './accumulator.ts'
import { topAdd, type TopEntry } from './folds.ts'
import { DISTINCT_CAP } from './rare-folds.ts'
import type { Aggregation } from '../document/document.ts'
import type { Json } from '../document/json.ts'

/** A {@link Fold} whose accumulators also merge (time buckets, sessions, identity merges). */
export interface Aggregator extends Fold {
  merge(into: Acc, from: Acc): void
}

type Merge = (into: Acc, from: Acc) => void

const mergeExtreme =
  (pick: (a: number, b: number) => number): Merge =>
  (into, from) => {
    if (from.m !== null)
      into.m = into.m === null ? (from.m as number) : pick(into.m as number, from.m as number)
  }

const mergeOrdered =
  (wantLater: boolean): Merge =>
  (into, from) => {
    if (from.ts !== null && better(wantLater, from.ts as number, from.seq as number, into)) {
      into.ts = from.ts as number
      into.seq = from.seq as number
      into.v = from.v as Json
    }
  }

const mergeSince =
  (pick: (a: number, b: number) => number): Merge =>
  (into, from) => {
    if (from.t !== null)
      into.t = into.t === null ? (from.t as number) : pick(into.t as number, from.t as number)
  }

const mergeSum: Merge = (into, from) => {
  addCompensated(into, from.s as number)
  addCompensated(into, from.c as number)
}
const mergeMax = /* @__PURE__ */ mergeExtreme(Math.max)
const mergeDwell: Merge = (into, from) => {
  mergeSum(into, from)
  mergeMax(into, from)
}

const MERGES: Record<Aggregation, Merge> = {
  count: (into, from) => {
    into.n = (into.n as number) + (from.n as number)
  },
  sum: mergeSum,
  avg: (into, from) => {
    mergeSum(into, from)
    into.n = (into.n as number) + (from.n as number)
  },
  min: /* @__PURE__ */ mergeExtreme(Math.min),
  max: mergeMax,
  distinct: (into, from) => {
    const keys = into.k as Record<string, 1>
    let size = Object.keys(keys).length
    for (const key of Object.keys(from.k as object)) {
      if (keys[key] === undefined && size < DISTINCT_CAP) {
        keys[key] = 1
        size++
      }
    }
  },
  top: (into, from) => {
    const counts = into.k as Record<string, TopEntry>
    for (const [key, [n, ts, seq]] of Object.entries(from.k as Record<string, TopEntry>)) {
      topAdd(counts, key, n, ts, seq)
    }
  },
  first: /* @__PURE__ */ mergeOrdered(false),
  last: /* @__PURE__ */ mergeOrdered(true),
  since_first: /* @__PURE__ */ mergeSince(Math.min),
  since_last: /* @__PURE__ */ mergeSince(Math.max),
  dwell: mergeDwell,
  dwell_max: mergeDwell,
}

/** The aggregator of an aggregation, from its fold. */
export const aggregator = (agg: Aggregation, fold: Fold): Aggregator => ({
  ...fold,
  merge: MERGES[agg],
})
