// The folds of the core aggregations: what every engine variant has. The rare ones
// (rare-folds.ts) join them at the edge (rules/edge/features.ts) and, on a device, once their chunk
// is loaded (rules/device/rare.ts).
import { addCompensated, later, numeric, total } from './accumulator.ts'
import { jsonKey } from './accumulator.ts'
import type { Acc, Folds } from './accumulator.ts'
import type { Json } from '../document/json.ts'

/** `top` keeps this many candidates per accumulator: exact up to 32 distinct values, as the spec asks. */
export const TOP_CAP = 64

export type TopEntry = [count: number, ts: number, seq: number]

/** Space-Saving: when full, a new value replaces the least frequent one and inherits its count. */
export function topAdd(
  counts: Record<string, TopEntry>,
  key: string,
  n: number,
  ts: number,
  seq: number,
) {
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

/** The core folds, by aggregation. */
export const CORE_FOLDS: Folds = {
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
