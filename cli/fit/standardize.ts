// Features are fitted standardized (mean 0, standard deviation 1) so the L2 penalty treats them
// alike and the weights compare as effects; the tag is written with weights on the raw features.
import type { LogisticModel, Matrix } from './logistic-regression.ts'

/** Each column's mean and population standard deviation. */
export interface Scaling {
  mean: Float64Array
  sd: Float64Array
}

export function scalingOf(x: Matrix): Scaling {
  const { n, d, values } = x
  const mean = new Float64Array(d)
  const sd = new Float64Array(d)
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] = mean[j]! + values[i * d + j]!
  for (let j = 0; j < d; j++) mean[j] = mean[j]! / n
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) sd[j] = sd[j]! + (values[i * d + j]! - mean[j]!) ** 2
  for (let j = 0; j < d; j++) sd[j] = Math.sqrt(sd[j]! / n)
  return { mean, sd }
}

/** `x` with every column standardized by `scaling` (no column may have a zero deviation). */
export function standardize(x: Matrix, scaling: Scaling): Matrix {
  const { n, d, values } = x
  const out = new Float64Array(values.length)
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++)
      out[i * d + j] = (values[i * d + j]! - scaling.mean[j]!) / scaling.sd[j]!
  return { values: out, n, d }
}

/**
 * The same model on the raw features: `β·(x − μ)/σ = (β/σ)·x − Σ β·μ/σ`, so each raw weight is
 * the standardized one divided by its feature's deviation and the bias absorbs the means.
 */
export function onRawFeatures(model: LogisticModel, scaling: Scaling) {
  const weights = model.weights.map((w, j) => w / scaling.sd[j]!)
  let bias = model.bias
  model.weights.forEach((w, j) => (bias -= (w * scaling.mean[j]!) / scaling.sd[j]!))
  return { bias, weights }
}
