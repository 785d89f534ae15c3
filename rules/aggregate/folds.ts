import { addCompensated, better, jsonKey, later, numeric, total } from './accumulator.ts'
import type { Acc, Fold } from './accumulator.ts'
import { DISTINCT_CAP, rareFolds } from './rare-folds.ts'
import type { Aggregation } from '../document/document.ts'
import type { Json } from '../document/json.ts'

export type { Acc, Fold, Sample } from './accumulator.ts'
export { DISTINCT_CAP } from './rare-folds.ts'

/** `false` in device builds: the rare features load lazily there (see rules/rare.ts). */
declare const __TAGWISE_RARE__: boolean | undefined

/** A {@link Fold} whose accumulators also merge (time buckets, sessions, identity merges). */
export interface Aggregator extends Fold {
  merge(into: Acc, from: Acc): void
}

/** `top` keeps this many candidates per accumulator: exact up to 32 distinct values, as the spec asks. */
export const TOP_CAP = 64

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

type TopEntry = [count: number, ts: number, seq: number]

/** Space-Saving: when full, a new value replaces the least frequent one and inherits its count. */
function topAdd(counts: Record<string, TopEntry>, key: string, n: number, ts: number, seq: number) {
  const entry = counts[key]
  if (entry) {
    entry[0] += n
    if (later(ts, seq, entry[1], entry[2])) {
      entry[1] = ts
      entry[2] = seq
    }
    return
  }
  const keys = Object.keys(counts)
  let base = 0
  if (keys.length >= TOP_CAP) {
    let victim = keys[0]!
    for (const k of keys) {
      const [c, t, s] = counts[k]!
      const [vc, vt, vs] = counts[victim]!
      if (c < vc || (c === vc && later(vt, vs, t, s))) victim = k
    }
    base = counts[victim]![0]
    delete counts[victim]
  }
  counts[key] = [base + n, ts, seq]
}

function dwellAdd(acc: Acc, ms: number): void {
  addCompensated(acc, ms)
  acc.m = acc.m === null ? ms : Math.max(acc.m as number, ms)
}

// The rare folds (rules/aggregate-rare.ts) are added below, or lazily in device builds.
const FOLDS: Partial<Record<Aggregation, Fold>> = {
  count: {
    create: () => ({ n: 0 }),
    add: (acc) => {
      acc.n = (acc.n as number) + 1
    },
    value: (acc) => acc.n as number,
  },
  sum: {
    create: () => ({ s: 0, c: 0 }),
    add: numeric(addCompensated),
    value: total,
  },
  top: {
    create: () => ({ k: {} }),
    add: (acc, { value, ts, seq }) => {
      if (value === null || value === undefined) return
      topAdd(acc.k as Record<string, TopEntry>, jsonKey(value), 1, ts, seq)
    },
    value: (acc) => {
      let best: string | undefined
      let bestEntry: TopEntry | undefined
      for (const [key, entry] of Object.entries(acc.k as Record<string, TopEntry>)) {
        if (
          !bestEntry ||
          entry[0] > bestEntry[0] ||
          (entry[0] === bestEntry[0] && later(entry[1], entry[2], bestEntry[1], bestEntry[2]))
        ) {
          best = key
          bestEntry = entry
        }
      }
      return best === undefined ? null : (JSON.parse(best) as Json)
    },
  },
  // Dwell samples are whole visits: `value` is the visit's dwell in ms.
  dwell: {
    create: () => ({ s: 0, c: 0, m: null }),
    add: (acc, { value }) => dwellAdd(acc, value as number),
    value: total,
  },
  dwell_max: {
    create: () => ({ s: 0, c: 0, m: null }),
    add: (acc, { value }) => dwellAdd(acc, value as number),
    value: (acc) => acc.m as number | null,
  },
}
// The flag is tested here, not through a named constant, so the minifier can fold it away.
if (typeof __TAGWISE_RARE__ === 'undefined' || __TAGWISE_RARE__) addFolds(rareFolds())

/** Adds folds to the table (device builds: the rare ones, once they are loaded). */
export function addFolds(folds: Partial<Record<Aggregation, Fold>>): void {
  Object.assign(FOLDS, folds)
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

// Merging is what time buckets, sessions joined by a late event and identity merges need; a device
// state has none of them, so the merges live apart and device builds leave them out.
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

/** The fold of an aggregation (no merging: what a device state needs). */
export const fold = (agg: Aggregation): Fold => FOLDS[agg]!

/** The aggregator of an aggregation. */
export const aggregator = (agg: Aggregation): Aggregator => ({ ...FOLDS[agg]!, merge: MERGES[agg] })
