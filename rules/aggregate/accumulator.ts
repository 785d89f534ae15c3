// What every aggregation builds on: samples, accumulators, folds, and the arithmetic and ordering
// they share. Apart from folds.ts so that the rare folds (rare-folds.ts), which device builds load
// lazily, import it without importing the table that includes them.
import type { Aggregation, MetricValue } from '../document/document.ts'
import { toNumeric, type Json } from '../document/json.ts'
import { MAX_KEPT_VALUE_CHARS } from '../document/limits.ts'

/** One matching event as an aggregation sees it: the `field` value, timestamp and input order. */
export interface Sample {
  value: unknown
  ts: number
  seq: number
}

/** `count`. */
export interface CountAcc {
  count: number
}

/**
 * A sum by Neumaier's compensated summation: the total is `sum + compensation`, the second holding
 * the low-order bits the first lost to rounding. The result does not depend on the order events
 * arrive in or on how buckets are grouped, so the device, the edge and the CLI agree to the last digit.
 *
 * At the edge a sum can pass the largest double (numbers go up to ±1.8e308): `carry` counts the
 * multiples of 2^1023 moved out of `sum` to keep it finite (see carried-sum.ts; absent while none
 * was, and on a device, whose sums do not carry).
 */
export interface SumAcc {
  sum: number
  compensation: number
  carry?: number
}

/** `avg`: the compensated sum and how many numbers it adds. */
export interface AvgAcc extends SumAcc {
  count: number
}

/** `min`/`max`: the smallest/largest number so far (`null`: none yet). */
export interface ExtremeAcc {
  extreme: number | null
}

/** `dwell`/`dwell_max`: the total dwell of the visits, and the longest one (`extreme`). */
export interface DwellAcc extends SumAcc, ExtremeAcc {}

/** `first`/`last`: the kept sample's value, timestamp and input order (`ts` `null`: none yet). */
export interface OrderedAcc {
  ts: number | null
  seq: number
  value: Json
}

/** `since_first`/`since_last`: the time of the earliest/latest matching event (`null`: none yet). */
export interface SinceAcc {
  time: number | null
}

/** `distinct`: the distinct values seen, by {@link jsonKey} (a set as a JSON object). */
export interface DistinctAcc {
  values: Record<string, 1>
}

/**
 * A `top` candidate: how often its value was seen and its latest occurrence (ties go to the latest).
 * A labelled tuple rather than an object: a `top` accumulator holds up to 64, on the device too.
 */
export type TopCandidate = [count: number, ts: number, seq: number]

/** `top`: the candidates for the most frequent value, by {@link jsonKey} of the value. */
export interface TopAcc {
  values: Record<string, TopCandidate>
}

/** The accumulator of each aggregation. */
export interface AccumulatorOf {
  count: CountAcc
  sum: SumAcc
  min: ExtremeAcc
  max: ExtremeAcc
  avg: AvgAcc
  distinct: DistinctAcc
  top: TopAcc
  first: OrderedAcc
  last: OrderedAcc
  since_first: SinceAcc
  since_last: SinceAcc
  dwell: DwellAcc
  dwell_max: DwellAcc
}

/**
 * A mutable, JSON-serializable accumulator, of some aggregation. Accumulators of one aggregation
 * merge associatively, so a window can keep one per time bucket (or per session) and fold the ones
 * inside the window.
 */
export type Accumulator = AccumulatorOf[Aggregation]

/** How one aggregation folds samples into its accumulator and reads its value. */
export interface Fold<A extends Accumulator = Accumulator> {
  create(): A
  add(acc: A, sample: Sample): void
  /** The metric value of `acc` (all accumulators of the window merged) at `now`. */
  value(acc: A, now: number): MetricValue
}

/** The folds an engine variant has, by aggregation. */
export type Folds = { readonly [K in Aggregation]?: Fold<AccumulatorOf[K]> }

export function addCompensated(acc: SumAcc, x: number): void {
  const { sum } = acc
  const t = sum + x
  acc.compensation += Math.abs(sum) >= Math.abs(x) ? sum - t + x : x - t + sum
  acc.sum = t
}

export function total(acc: SumAcc): number {
  return acc.sum + acc.compensation
}

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

/**
 * The {@link jsonKey} of a value an accumulator may keep: `undefined` for a missing value, `null`,
 * or one longer than {@link MAX_KEPT_VALUE_CHARS} (skipped alike, so a state stays bounded).
 */
export function keptKey(value: unknown): string | undefined {
  if (value === null || value === undefined) return
  const key = jsonKey(value)
  return key.length > MAX_KEPT_VALUE_CHARS ? undefined : key
}

/** Whether (`ts`, `seq`) comes after (`ts2`, `seq2`): by timestamp, then input order. */
export function later(ts: number, seq: number, ts2: number, seq2: number): boolean {
  return ts > ts2 || (ts === ts2 && seq > seq2)
}

/** `first`/`last`: whether a sample at (`ts`, `seq`) replaces the one `acc` holds. */
export function better(wantLater: boolean, ts: number, seq: number, acc: OrderedAcc): boolean {
  return acc.ts === null || later(ts, seq, acc.ts, acc.seq) === wantLater
}

/** An `add` that folds the sample's value as a number, and ignores values that are not numbers. */
export function numeric<A extends Accumulator>(agg: (acc: A, x: number) => void) {
  return (acc: A, sample: Sample): void => {
    const x = toNumeric(sample.value)
    if (x !== undefined) agg(acc, x)
  }
}
