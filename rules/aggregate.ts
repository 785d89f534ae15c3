import type { Aggregation, MetricValue } from './document.ts'
import { toNumeric, type Json } from './json.ts'

/** One matching event as an aggregation sees it: the `field` value, timestamp and input order. */
export interface Sample {
  value: unknown
  ts: number
  seq: number
}

/**
 * A mutable, JSON-serializable accumulator. Accumulators of one aggregation merge associatively, so a
 * window can keep one per time bucket (or per session) and fold the ones inside the window.
 */
export type Acc = { [key: string]: Json }

/** How one aggregation folds samples into an accumulator and reads its value. */
export interface Fold {
  create(): Acc
  add(acc: Acc, sample: Sample): void
  /** The metric value of `acc` (all accumulators of the window merged) at `now`. */
  value(acc: Acc, now: number): MetricValue
}

/** A {@link Fold} whose accumulators also merge (time buckets, sessions, identity merges). */
export interface Aggregator extends Fold {
  merge(into: Acc, from: Acc): void
}

/** Distinct values are exact up to this many per accumulator (the spec asks for at least 1,000). */
export const DISTINCT_CAP = 2048
/** `top` keeps this many candidates per accumulator: exact up to 32 distinct values, as the spec asks. */
export const TOP_CAP = 64

/**
 * Sums use Neumaier's compensated summation: the result does not depend on the order events arrive
 * in or on how buckets are grouped, so the device, the edge and the CLI agree to the last digit.
 */
function addCompensated(acc: Acc, x: number): void {
  const s = acc.s as number
  const t = s + x
  acc.c = (acc.c as number) + (Math.abs(s) >= Math.abs(x) ? s - t + x : x - t + s)
  acc.s = t
}
const total = (acc: Acc): number => (acc.s as number) + (acc.c as number)

/** A key for JSON equality (`1` ≠ `"1"`, object keys in any order). */
export function jsonKey(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) return `[${value.map(jsonKey).join(',')}]`
  const obj = value as Record<string, unknown>
  return `{${Object.keys(obj)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${jsonKey(obj[k])}`)
    .join(',')}}`
}

const later = (ts: number, seq: number, ts2: number, seq2: number): boolean =>
  ts > ts2 || (ts === ts2 && seq > seq2)

const numeric = (agg: (acc: Acc, x: number) => void) => (acc: Acc, sample: Sample) => {
  const x = toNumeric(sample.value)
  if (x !== undefined) agg(acc, x)
}

type Merge = (into: Acc, from: Acc) => void

const extreme = (pick: (a: number, b: number) => number): Fold => ({
  create: () => ({ m: null }),
  add: numeric((acc, x) => {
    acc.m = acc.m === null ? x : pick(acc.m as number, x)
  }),
  value: (acc) => acc.m as number | null,
})
const mergeExtreme =
  (pick: (a: number, b: number) => number): Merge =>
  (into, from) => {
    if (from.m !== null)
      into.m = into.m === null ? (from.m as number) : pick(into.m as number, from.m as number)
  }

/** `first`/`last`: the value of the earliest/latest event by timestamp, then input order. */
const better = (wantLater: boolean, ts: number, seq: number, acc: Acc) =>
  acc.ts === null || later(ts, seq, acc.ts as number, acc.seq as number) === wantLater
const ordered = (wantLater: boolean): Fold => ({
  create: () => ({ ts: null, seq: 0, v: null }),
  add: (acc, { value, ts, seq }) => {
    if (value === null || value === undefined || !better(wantLater, ts, seq, acc)) return
    acc.ts = ts
    acc.seq = seq
    acc.v = value as Json
  },
  value: (acc) => (acc.ts === null ? null : (acc.v as Json)),
})
const mergeOrdered =
  (wantLater: boolean): Merge =>
  (into, from) => {
    if (from.ts !== null && better(wantLater, from.ts as number, from.seq as number, into)) {
      into.ts = from.ts as number
      into.seq = from.seq as number
      into.v = from.v as Json
    }
  }

/** `since_first`/`since_last`: ms from the earliest/latest matching event to `now`. */
const since = (pick: (a: number, b: number) => number): Fold => ({
  create: () => ({ t: null }),
  add: (acc, { ts }) => {
    acc.t = acc.t === null ? ts : pick(acc.t as number, ts)
  },
  value: (acc, now) => (acc.t === null ? null : now - (acc.t as number)),
})
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

const FOLDS: Record<Aggregation, Fold> = {
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
  avg: {
    create: () => ({ s: 0, c: 0, n: 0 }),
    add: numeric((acc, x) => {
      addCompensated(acc, x)
      acc.n = (acc.n as number) + 1
    }),
    value: (acc) => ((acc.n as number) === 0 ? null : total(acc) / (acc.n as number)),
  },
  min: extreme(Math.min),
  max: extreme(Math.max),
  distinct: {
    create: () => ({ k: {} }),
    add: (acc, { value }) => {
      if (value === null || value === undefined) return
      const keys = acc.k as Record<string, 1>
      const key = jsonKey(value)
      if (keys[key] === undefined && Object.keys(keys).length < DISTINCT_CAP) keys[key] = 1
    },
    value: (acc) => Object.keys(acc.k as object).length,
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
  first: ordered(false),
  last: ordered(true),
  since_first: since(Math.min),
  since_last: since(Math.max),
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
export const fold = (agg: Aggregation): Fold => FOLDS[agg]

/** The aggregator of an aggregation. */
export const aggregator = (agg: Aggregation): Aggregator => ({ ...FOLDS[agg], merge: MERGES[agg] })
