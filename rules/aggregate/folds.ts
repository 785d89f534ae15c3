// The folds of the common aggregations: what every engine variant has. The rare ones
// (rare-folds.ts) join them at the edge (rules/edge/features.ts) and, on a device, once their chunk
// is loaded (rules/device/rare-chunk.ts).
import { addCompensated, keptKey, later, numeric, total } from './accumulator.ts'
import type { DwellAcc, Fold, Folds, TopCandidate } from './accumulator.ts'
import type { Json } from '../document/json.ts'

/** `top` keeps this many candidates per accumulator: exact up to 32 distinct values, as the spec asks. */
export const TOP_CAP = 64

/** Whether candidate `a` ranks above `b`: seen more often, or as often and more recently. */
function outranks(a: TopCandidate, b: TopCandidate): boolean {
  const [count, ts, seq] = a
  const [otherCount, otherTs, otherSeq] = b
  return count > otherCount || (count === otherCount && later(ts, seq, otherTs, otherSeq))
}

/** Space-Saving: when full, a new value replaces the least frequent one and inherits its count. */
export function topAdd(
  candidates: Record<string, TopCandidate>,
  key: string,
  n: number,
  ts: number,
  seq: number,
) {
  const candidate = candidates[key]
  if (candidate) {
    const [count, latestTs, latestSeq] = candidate
    candidate[0] = count + n
    if (later(ts, seq, latestTs, latestSeq)) {
      candidate[1] = ts
      candidate[2] = seq
    }
    return
  }
  const keys = Object.keys(candidates)
  let base = 0
  if (keys.length >= TOP_CAP) {
    // The lowest-ranked candidate.
    let victim = keys[0]!
    for (const k of keys) if (outranks(candidates[victim]!, candidates[k]!)) victim = k
    base = candidates[victim]![0]
    delete candidates[victim]
  }
  candidates[key] = [base + n, ts, seq]
}

function dwellAdd(acc: DwellAcc, ms: number): void {
  addCompensated(acc, ms)
  acc.extreme = acc.extreme === null ? ms : Math.max(acc.extreme, ms)
}

// Dwell samples are whole visits: `value` is the visit's dwell in ms.
const dwell = (read: (acc: DwellAcc) => number | null): Fold<DwellAcc> => ({
  create: () => ({ sum: 0, compensation: 0, extreme: null }),
  add: (acc, { value }) => dwellAdd(acc, value as number),
  value: read,
})

/** The common folds, by aggregation. */
export const COMMON_FOLDS: Folds = {
  count: {
    create: () => ({ count: 0 }),
    add: (acc) => {
      acc.count++
    },
    value: (acc) => acc.count,
  },
  sum: {
    create: () => ({ sum: 0, compensation: 0 }),
    add: numeric(addCompensated),
    value: total,
  },
  top: {
    create: () => ({ values: {} }),
    add: (acc, { value, ts, seq }) => {
      const key = keptKey(value)
      if (key !== undefined) topAdd(acc.values, key, 1, ts, seq)
    },
    value: (acc) => {
      let best: string | undefined
      for (const key of Object.keys(acc.values))
        if (best === undefined || outranks(acc.values[key]!, acc.values[best]!)) best = key
      return best === undefined ? null : (JSON.parse(best) as Json)
    },
  },
  dwell: dwell(total),
  dwell_max: dwell((acc) => acc.extreme),
}
