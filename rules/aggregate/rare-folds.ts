// The folds of the aggregations device metrics rarely use: `avg`, `min`, `max`, `distinct`,
// `first`, `last`, `since_first`, `since_last`. The edge and the CLI have them built in; device
// builds load them with the other rare features (rules/device/rare-chunk.ts) only for a document
// that uses one.
import { addCompensated, better, keptKey, numeric, total } from './accumulator.ts'
import type { ExtremeAcc, Fold, Folds, OrderedAcc, SinceAcc } from './accumulator.ts'
import type { Json } from '../document/json.ts'

/** Distinct values are exact up to this many per accumulator (the spec asks for at least 1,000). */
export const DISTINCT_CAP = 2048

function extreme(pick: (a: number, b: number) => number): Fold<ExtremeAcc> {
  return {
    create: () => ({ extreme: null }),
    add: numeric((acc: ExtremeAcc, x) => {
      acc.extreme = acc.extreme === null ? x : pick(acc.extreme, x)
    }),
    value: (acc) => acc.extreme,
  }
}

/** `first`/`last`: the value of the earliest/latest event by timestamp, then input order. */
function ordered(wantLater: boolean): Fold<OrderedAcc> {
  return {
    create: () => ({ ts: null, seq: 0, value: null }),
    add: (acc, { value, ts, seq }) => {
      if (!better(wantLater, ts, seq, acc) || keptKey(value) === undefined) return
      acc.ts = ts
      acc.seq = seq
      acc.value = value as Json
    },
    value: (acc) => (acc.ts === null ? null : acc.value),
  }
}

/** `since_first`/`since_last`: ms from the earliest/latest matching event to `now`. */
function since(pick: (a: number, b: number) => number): Fold<SinceAcc> {
  return {
    create: () => ({ time: null }),
    add: (acc, { ts }) => {
      acc.time = acc.time === null ? ts : pick(acc.time, ts)
    },
    value: (acc, now) => (acc.time === null ? null : now - acc.time),
  }
}

/** The rare folds, by aggregation. */
export const RARE_FOLDS: Folds = {
  avg: {
    create: () => ({ sum: 0, compensation: 0, count: 0 }),
    add: numeric((acc, x) => {
      addCompensated(acc, x)
      acc.count++
    }),
    value: (acc) => (acc.count === 0 ? null : total(acc) / acc.count),
  },
  min: extreme(Math.min),
  max: extreme(Math.max),
  distinct: {
    create: () => ({ values: {} }),
    add: (acc, { value }) => {
      const key = keptKey(value)
      if (key === undefined) return
      if (acc.values[key] === undefined && Object.keys(acc.values).length < DISTINCT_CAP)
        acc.values[key] = 1
    },
    value: (acc) => Object.keys(acc.values).length,
  },
  first: ordered(false),
  last: ordered(true),
  since_first: since(Math.min),
  since_last: since(Math.max),
}
