// Features are fitted standardized (mean 0, standard deviation 1) so the L2 penalty treats them
// alike and the weights compare as effects; the tag is written with weights on the raw features.
import type { LogisticModel, Matrix } from './logistic-regression.ts'

/** Each column's mean and population standard deviation. */
export interface Scaling {
  mean: Float64Array
  sd: Float64Array
  /**
   * The power of two each column is divided by while its moments are computed: at most its
   * largest magnitude, so no sum of values or of squares overflows. Features may reach ±1.8e308
   * (the engine keeps a sum of 1e308-sized values at the largest double): their sums overflowed
   * to Infinity, every weight became NaN, and `tagwise fit` blamed collinear features. A power of
   * two scales exactly, so ordinary features get the same figures, bit for bit.
   */
  scale: Float64Array
}

export function scalingOf(x: Matrix): Scaling {
  const { n, d, values } = x
  const mean = new Float64Array(d)
  const sd = new Float64Array(d)
  const scale = new Float64Array(d).fill(1)
  for (let j = 0; j < d; j++) {
    let largest = 0
    for (let i = 0; i < n; i++) largest = Math.max(largest, Math.abs(values[i * d + j]!))
    // log2 of the largest double rounds to 1024, and 2 ** 1024 is Infinity.
    if (largest > 0) scale[j] = 2 ** Math.min(1023, Math.floor(Math.log2(largest)))
  }
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) mean[j] = mean[j]! + values[i * d + j]! / scale[j]!
  for (let j = 0; j < d; j++) mean[j] = mean[j]! / n
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) sd[j] = sd[j]! + (values[i * d + j]! / scale[j]! - mean[j]!) ** 2
  for (let j = 0; j < d; j++) {
    sd[j] = Math.sqrt(sd[j]! / n) * scale[j]!
    mean[j] = mean[j]! * scale[j]!
  }
  return { mean, sd, scale }
}

/** `x` with every column standardized by `scaling` (no column may have a zero deviation). */
export function standardize(x: Matrix, scaling: Scaling): Matrix {
  const { n, d, values } = x
  const { mean, sd, scale } = scaling
  const out = new Float64Array(values.length)
  // In the scaled units, where `x − mean` cannot overflow.
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++)
      out[i * d + j] =
        (values[i * d + j]! / scale[j]! - mean[j]! / scale[j]!) / (sd[j]! / scale[j]!)
  return { values: out, n, d }
}

/**
 * The same model on the raw features: `β·(x − μ)/σ = (β/σ)·x − Σ β·μ/σ`, so each raw weight is
 * the standardized one divided by its feature's deviation and the bias absorbs the means.
 */
export function onRawFeatures(model: LogisticModel, scaling: Scaling) {
  const weights = model.weights.map((w, j) => w / scaling.sd[j]!)
  let bias = model.bias
  // μ/σ first: β·μ could overflow for a feature near the largest double.
  model.weights.forEach((w, j) => (bias -= w * (scaling.mean[j]! / scaling.sd[j]!)))
  return { bias, weights }
}
