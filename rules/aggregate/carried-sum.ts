// Sums past the largest double, at the edge. Numbers go up to ±1.8e308, so two orders of 1e308 add
// up to more than a double holds: the sum would be Infinity, which JSON writes as `null` (the
// metric, and every tag built on it, gone for good). Here a sum keeps a `carry` of 2^1023 units
// beside its compensated `sum`, the true total being carry × 2^1023 + sum + compensation: exact in
// any order of events and buckets, so a sum that overflows on the way and comes back
// (1e308 + 1e308 − 1e308) reads 1e308 whatever the order. `sum` reads that total clamped to
// ±Number.MAX_VALUE; `avg` divides it before it is clamped (two orders of 1e308 average 1e308).
// A device keeps the plain folds (folds.ts): it sums one session's events of one person, and its
// bundle has no bytes to spare.
import { numeric, type AvgAcc, type Fold, type Folds, type SumAcc } from './accumulator.ts'

/** 2^1023: the unit of a carry. Every finite double is below twice it. */
const CARRY_UNIT = 2 ** 1023

/** Adds `x` to `acc` by Neumaier's compensated summation, carrying what would overflow. */
export function addCarried(acc: SumAcc, x: number): void {
  let { sum } = acc
  // Past the largest double: 2^1023 comes out of a term at or above it (exactly: both lie in
  // [2^1023, 2^1024)) until the two add up to a finite number, at most twice.
  while (!Number.isFinite(sum + x)) {
    const unit = x < 0 ? -CARRY_UNIT : CARRY_UNIT
    if (Math.abs(sum) >= CARRY_UNIT) sum -= unit
    else x -= unit
    acc.carry = (acc.carry ?? 0) + Math.sign(unit)
  }
  const t = sum + x
  acc.compensation += Math.abs(sum) >= Math.abs(x) ? sum - t + x : x - t + sum
  acc.sum = t
}

/** The total `acc` holds divided by `count`, clamped to ±Number.MAX_VALUE: finite, always. */
export function carriedShare(acc: SumAcc, count: number): number {
  const { sum, compensation, carry = 0 } = acc
  const rest = sum + compensation
  if (!carry && Number.isFinite(rest)) return rest / count
  // The total is past the largest double: halved, it is not (up to 2^1025). The carry meets `sum`
  // first, where they cancel exactly, then the compensation. Beyond 2^1025 the carry dominates,
  // and each part is divided first.
  const half = carry * (CARRY_UNIT / 2) + sum / 2 + compensation / 2
  const result = Number.isFinite(half)
    ? (half / count) * 2
    : carry * (CARRY_UNIT / count) + (sum / count + compensation / count)
  return Number.isFinite(result) ? result : Math.sign(result) * Number.MAX_VALUE
}

const sum: Fold<SumAcc> = {
  create: () => ({ sum: 0, compensation: 0 }),
  add: numeric(addCarried),
  value: (acc) => carriedShare(acc, 1),
}

const avg: Fold<AvgAcc> = {
  create: () => ({ sum: 0, compensation: 0, count: 0 }),
  add: numeric((acc: AvgAcc, x) => {
    addCarried(acc, x)
    acc.count++
  }),
  value: (acc) => (acc.count === 0 ? null : carriedShare(acc, acc.count)),
}

/** The edge's `sum` and `avg`, over the common and rare ones. */
export const CARRIED_FOLDS: Folds = { sum, avg }
