// From a table of profiles (features and a 0/1 label) to a score tag's numbers and the figures that
// say how good it is. Pure: `tagwise fit` (cli/fit.ts) reads the events and prints the results.
import {
  auc,
  bestF1,
  calibration,
  logLoss,
  type CalibrationBin,
  type Threshold,
} from './holdout-metrics.ts'
import { holdoutSplit } from './holdout-split.ts'
import { fitLogistic, sigmoid, type Matrix } from './logistic-regression.ts'
import { onRawFeatures, scalingOf, standardize } from './standardize.ts'

/** One row per profile: each feature's value (`NaN` when missing) and the label. */
export interface Dataset {
  paths: string[]
  /** Row-major, `labels.length × paths.length`. */
  values: Float64Array
  labels: Uint8Array
}

export interface LearnOptions {
  /** Share of the rows held out to measure the model and choose its threshold (0 ≤ share < 1). */
  holdout: number
  seed: number
  /** The L2 penalty on the standardized weights (see `fitLogistic`). */
  l2: number
  /** What a missing value is fitted as: 0, as the score tag reads it, or the feature's mean. */
  impute: 'zero' | 'mean'
}

export interface LearnedWeight {
  path: string
  /** On the raw feature, as published. */
  weight: number
  /** Change in log-odds for one standard deviation of the feature. */
  standardized: number
}

export interface LearnedScore {
  bias: number
  weights: LearnedWeight[]
  threshold: Threshold | undefined
  /** Missing values per feature and what they were fitted as. */
  imputed: { path: string; missing: number; value: number }[]
  /** Features left out because they do not vary on the rows fitted, with their one value. */
  constant: { path: string; value: number }[]
  rows: { all: number; train: number; holdout: number; positives: number }
  /** Figures on the held-out rows (on the rows fitted when none are held out). */
  measured: {
    on: 'holdout' | 'train'
    auc: number
    logLoss: number
    /** The log loss of always predicting the positive share of the rows fitted. */
    baseLogLoss: number
    calibration: CalibrationBin[]
  }
  iterations: number
  converged: boolean
  /** Each row's probability as the published tag computes it (missing values read as 0). */
  probabilities: Float64Array
}

/** Why a dataset cannot be learned from, in words (the CLI's exit code 1). */
export class LearnError extends Error {}

export function learnScore(data: Dataset, options: LearnOptions): LearnedScore {
  const rows = data.labels.length
  const width = data.paths.length
  let positives = 0
  for (const y of data.labels) positives += y
  if (rows === 0)
    throw new LearnError('no profile had an event by --now: there is nothing to learn')
  if (positives === 0 || positives === rows)
    throw new LearnError(
      `the label is ${positives === 0 ? 'false' : 'true'} for all ${rows} profiles: there is nothing to learn`,
    )
  const split = holdoutSplit(rows, options.holdout, options.seed)
  const train = split.train
  let trainPositives = 0
  for (const i of train) trainPositives += data.labels[i]!
  if (trainPositives === 0 || trainPositives === train.length)
    throw new LearnError(
      `the label is ${trainPositives === 0 ? 'false' : 'true'} for all ${train.length} profiles fitted (${positives} of ${rows} are positive): use a smaller --holdout or another --seed`,
    )

  // Missing values: counted over all rows, imputed with a value from the rows fitted.
  const imputed = data.paths.map((path, j) => {
    let missing = 0
    let sum = 0
    for (let i = 0; i < rows; i++) if (Number.isNaN(data.values[i * width + j]!)) missing++
    for (const i of train) {
      const x = data.values[i * width + j]!
      if (!Number.isNaN(x)) sum += x
    }
    const present =
      train.length - train.filter((i) => Number.isNaN(data.values[i * width + j]!)).length
    const value = options.impute === 'mean' && present > 0 ? sum / present : 0
    return { path, missing, value }
  })
  const valueAt = (i: number, j: number) => {
    const x = data.values[i * width + j]!
    return Number.isNaN(x) ? imputed[j]!.value : x
  }

  const trainMatrix = (columns: number[]): Matrix => {
    const values = new Float64Array(train.length * columns.length)
    train.forEach((i, r) =>
      columns.forEach((j, c) => (values[r * columns.length + c] = valueAt(i, j))),
    )
    return { values, n: train.length, d: columns.length }
  }
  const scaling = scalingOf(trainMatrix(data.paths.map((_, j) => j)))
  const kept = data.paths.map((_, j) => j).filter((j) => scaling.sd[j]! > 0)
  const constant = data.paths
    .map((path, j) => ({ path, value: scaling.mean[j]!, j }))
    .filter(({ j }) => scaling.sd[j] === 0)
    .map(({ path, value }) => ({ path, value }))
  if (kept.length === 0)
    throw new LearnError(
      'every feature is constant on the profiles fitted: there is nothing to learn',
    )

  const x = trainMatrix(kept)
  const keptScaling = scalingOf(x)
  const labels = Uint8Array.from(train, (i) => data.labels[i]!)
  const model = fitLogistic(standardize(x, keptScaling), labels, { l2: options.l2 })
  const raw = onRawFeatures(model, keptScaling)
  // Published with 6 significant digits; every figure below is the published tag's.
  const bias = round(raw.bias)
  const weights = kept.map((j, k) => ({
    path: data.paths[j]!,
    weight: round(raw.weights[k]!),
    standardized: model.weights[k]!,
  }))

  // As the engine's score: bias first, then each weight times the value, a missing value as 0.
  const probabilities = new Float64Array(rows)
  for (let i = 0; i < rows; i++) {
    let z = bias
    kept.forEach((j, k) => {
      const value = data.values[i * width + j]!
      z += weights[k]!.weight * (Number.isNaN(value) ? 0 : value)
    })
    probabilities[i] = sigmoid(z)
  }
  const on = split.holdout.length > 0 ? 'holdout' : 'train'
  const measuredRows = on === 'holdout' ? split.holdout : train
  const p = measuredRows.map((i) => probabilities[i]!)
  const y = measuredRows.map((i) => data.labels[i]!)
  const base = trainPositives / train.length
  return {
    bias,
    weights,
    threshold: bestF1(p, y),
    imputed,
    constant,
    rows: { all: rows, train: train.length, holdout: split.holdout.length, positives },
    measured: {
      on,
      auc: auc(p, y),
      logLoss: logLoss(p, y),
      baseLogLoss: logLoss(
        y.map(() => base),
        y,
      ),
      calibration: calibration(p, y),
    },
    iterations: model.iterations,
    converged: model.converged,
    probabilities,
  }
}

const round = (x: number) => Number(x.toPrecision(6))
