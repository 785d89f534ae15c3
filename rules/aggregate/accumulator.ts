// What every aggregation builds on: samples, accumulators, folds, and the arithmetic and ordering
// they share. Apart from rules/aggregate.ts so that the rare folds (rules/aggregate-rare.ts), which
// device builds load lazily, import it without importing the table that includes them.
import type { Aggregation, MetricValue } from '../document/document.ts'
import { toNumeric, type Json } from '../document/json.ts'

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

/** The folds an engine variant has, by aggregation. */
export type Folds = Readonly<Partial<Record<Aggregation, Fold>>>

/**
 * Sums use Neumaier's compensated summation: the result does not depend on the order events arrive
 * in or on how buckets are grouped, so the device, the edge and the CLI agree to the last digit.
 */
export function addCompensated(acc: Acc, x: number): void {
  const s = acc.s as number
  const t = s + x
  acc.c = (acc.c as number) + (Math.abs(s) >= Math.abs(x) ? s - t + x : x - t + s)
  acc.s = t
}

export function total(acc: Acc): number {
  return (acc.s as number) + (acc.c as number)
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

/** Whether (`ts`, `seq`) comes after (`ts2`, `seq2`): by timestamp, then input order. */
export function later(ts: number, seq: number, ts2: number, seq2: number): boolean {
  return ts > ts2 || (ts === ts2 && seq > seq2)
}

/** `first`/`last`: whether a sample at (`ts`, `seq`) replaces the one `acc` holds. */
export function better(wantLater: boolean, ts: number, seq: number, acc: Acc): boolean {
  return acc.ts === null || later(ts, seq, acc.ts as number, acc.seq as number) === wantLater
}

/** An `add` that folds the sample's value as a number, and ignores values that are not numbers. */
export function numeric(agg: (acc: Acc, x: number) => void) {
  return (acc: Acc, sample: Sample): void => {
    const x = toNumeric(sample.value)
    if (x !== undefined) agg(acc, x)
  }
}
