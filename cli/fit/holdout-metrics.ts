// How well predicted probabilities fit observed 0/1 labels: the figures of `tagwise fit`'s report.

/**
 * The area under the ROC curve: the chance that a random positive scores above a random negative
 * (ties count half), by the rank-sum (Mann–Whitney) formula. `NaN` without both classes.
 */
export function auc(p: ArrayLike<number>, y: ArrayLike<number>): number {
  const order = Array.from({ length: p.length }, (_, i) => i).sort((a, b) => p[a]! - p[b]!)
  let positives = 0
  let rankSum = 0
  for (let start = 0; start < order.length;) {
    let end = start
    while (end < order.length && p[order[end]!] === p[order[start]!]) end++
    const rank = (start + 1 + end) / 2 // the average 1-based rank of the tied run
    for (let k = start; k < end; k++)
      if (y[order[k]!] === 1) {
        positives++
        rankSum += rank
      }
    start = end
  }
  const negatives = p.length - positives
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives)
}

/** Mean negative log-likelihood (natural log), probabilities clipped to [1e-15, 1 − 1e-15]. */
export function logLoss(p: ArrayLike<number>, y: ArrayLike<number>): number {
  let sum = 0
  for (let i = 0; i < p.length; i++) {
    const q = Math.min(Math.max(p[i]!, 1e-15), 1 - 1e-15)
    sum -= y[i] === 1 ? Math.log(q) : Math.log(1 - q)
  }
  return sum / p.length
}

/** One bin of a calibration table. */
export interface CalibrationBin {
  rows: number
  /** Mean predicted probability. */
  predicted: number
  /** Share of positives. */
  observed: number
}

/** Rows sorted by probability cut into `bins` bins of (nearly) equal size: deciles by default. */
export function calibration(p: ArrayLike<number>, y: ArrayLike<number>, bins = 10) {
  const order = Array.from({ length: p.length }, (_, i) => i).sort((a, b) => p[a]! - p[b]!)
  const out: CalibrationBin[] = []
  for (let b = 0; b < bins; b++) {
    const slice = order.slice(
      Math.floor((b * p.length) / bins),
      Math.floor(((b + 1) * p.length) / bins),
    )
    if (slice.length === 0) continue
    let predicted = 0
    let observed = 0
    for (const i of slice) {
      predicted += p[i]!
      observed += y[i]!
    }
    out.push({
      rows: slice.length,
      predicted: predicted / slice.length,
      observed: observed / slice.length,
    })
  }
  return out
}

/** The threshold a score tag is published with, and how it classifies the rows it was chosen on. */
export interface Threshold {
  threshold: number
  f1: number
  precision: number
  recall: number
}

/**
 * The threshold with the best F1 (rows with `p ≥ threshold` predicted positive): among the cuts
 * between distinct probabilities, the best one, written as the shortest decimal that makes the same
 * cut. `undefined` without a positive row.
 */
export function bestF1(p: ArrayLike<number>, y: ArrayLike<number>): Threshold | undefined {
  const order = Array.from({ length: p.length }, (_, i) => i).sort((a, b) => p[b]! - p[a]!)
  let positives = 0
  for (let i = 0; i < y.length; i++) positives += y[i]!
  if (positives === 0) return undefined
  let best: (Threshold & { lower: number }) | undefined
  let truePositives = 0
  for (let start = 0; start < order.length;) {
    let end = start
    while (end < order.length && p[order[end]!] === p[order[start]!])
      truePositives += y[order[end++]!]!
    const precision = truePositives / end
    const recall = truePositives / positives
    const f1 = truePositives === 0 ? 0 : (2 * precision * recall) / (precision + recall)
    if (best === undefined || f1 > best.f1) {
      const lower = end < order.length ? p[order[end]!]! : 0
      best = { threshold: p[order[start]!]!, lower, f1, precision, recall }
    }
    start = end
  }
  const { threshold, lower, ...rest } = best!
  return { threshold: shortestAbove(lower, threshold), ...rest }
}

/**
 * The decimal with the fewest digits in `(lower, upper]`, the one nearest the middle among those:
 * a readable threshold that leaves room on both sides of the cut.
 */
function shortestAbove(lower: number, upper: number): number {
  const middle = (lower + upper) / 2
  for (let digits = 1; digits <= 17; digits++) {
    const scale = 10 ** digits
    for (const candidate of [Math.round(middle * scale) / scale, Math.floor(upper * scale) / scale])
      if (candidate > lower && candidate <= upper) return candidate
  }
  return upper
}
