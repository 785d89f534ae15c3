// The folds of the aggregations device metrics rarely use: `avg`, `min`, `max`, `distinct`,
// `first`, `last`, `since_first`, `since_last`. The edge and the CLI have them built in; device
// builds load them with the other rare features (rules/rare.ts) only for a document that uses one.
import {
  addCompensated,
  better,
  jsonKey,
  numeric,
  total,
  type Acc,
  type Fold,
  type Folds,
} from './accumulator.ts'
import type { Json } from '../document/json.ts'

/** Distinct values are exact up to this many per accumulator (the spec asks for at least 1,000). */
export const DISTINCT_CAP = 2048

function extreme(pick: (a: number, b: number) => number): Fold {
  return {
    create: () => ({ m: null }),
    add: numeric((acc, x) => {
      acc.m = acc.m === null ? x : pick(acc.m as number, x)
    }),
    value: (acc) => acc.m as number | null,
  }
}

/** `first`/`last`: the value of the earliest/latest event by timestamp, then input order. */
function ordered(wantLater: boolean): Fold {
  return {
    create: () => ({ ts: null, seq: 0, v: null }),
    add: (acc, { value, ts, seq }) => {
      if (value === null || value === undefined || !better(wantLater, ts, seq, acc)) return
      acc.ts = ts
      acc.seq = seq
      acc.v = value as Json
    },
    value: (acc) => (acc.ts === null ? null : (acc.v as Json)),
  }
}

/** `since_first`/`since_last`: ms from the earliest/latest matching event to `now`. */
function since(pick: (a: number, b: number) => number): Fold {
  return {
    create: () => ({ t: null }),
    add: (acc, { ts }) => {
      acc.t = acc.t === null ? ts : pick(acc.t as number, ts)
    },
    value: (acc, now) => (acc.t === null ? null : now - (acc.t as number)),
  }
}

/** The rare folds, by aggregation. */
export const RARE_FOLDS: Folds = {
  avg: {
    create: () => ({ s: 0, c: 0, n: 0 }),
    add: numeric((acc: Acc, x) => {
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
  first: ordered(false),
  last: ordered(true),
  since_first: since(Math.min),
  since_last: since(Math.max),
}
