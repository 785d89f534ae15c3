// L2-regularized logistic regression by Newton's method (iteratively reweighted least squares):
// for the few dozen features of a score tag, each step is one pass over the rows plus a small
// Cholesky solve, and it converges in a handful of steps to the exact optimum.
import { solveCholesky } from './cholesky.ts'

/** Rows as one row-major matrix: `n` rows of `d` features. */
export interface Matrix {
  values: Float64Array
  n: number
  d: number
}

/** A fitted model: `p = 1 / (1 + e^-(bias + Σ weights[j]·x[j]))`. */
export interface LogisticModel {
  bias: number
  weights: Float64Array
  /** Newton steps taken. */
  iterations: number
  /**
   * Whether the gradient vanished (to `1e-9` per row) or the objective could not improve by more than
   * its rounding (relative 1e-11) within the step limit.
   */
  converged: boolean
}

export interface LogisticOptions {
  /**
   * The L2 penalty `λ`: the model minimizes `Σ log loss + λ/2 · Σ weights²` (the bias is not
   * penalized), which is scikit-learn's `LogisticRegression(C = 1/λ)`.
   */
  l2: number
  /** @default 100 */
  maxIterations?: number
}

/** Fits `labels` (0 or 1 per row) on the rows of `x`. Throws when the Hessian is singular. */
export function fitLogistic(
  x: Matrix,
  labels: Uint8Array,
  options: LogisticOptions,
): LogisticModel {
  const { n, d, values } = x
  const { l2, maxIterations = 100 } = options
  const size = d + 1 // the bias is unknown 0, weight j is unknown j + 1
  let beta = new Float64Array(size)
  let loss = objective(x, labels, beta, l2)
  const gradient = new Float64Array(size)
  const hessian = new Float64Array(size * size)
  const row = new Float64Array(size)
  row[0] = 1
  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    gradient.fill(0)
    hessian.fill(0)
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) row[j + 1] = values[i * d + j]!
      const p = sigmoid(linear(row, beta))
      const residual = p - labels[i]!
      const curvature = p * (1 - p)
      for (let j = 0; j < size; j++) {
        gradient[j] = gradient[j]! + residual * row[j]!
        const scaled = curvature * row[j]!
        // Only the lower triangle: the Hessian is symmetric.
        for (let k = 0; k <= j; k++)
          hessian[j * size + k] = hessian[j * size + k]! + scaled * row[k]!
      }
    }
    for (let j = 1; j < size; j++) {
      gradient[j] = gradient[j]! + l2 * beta[j]!
      hessian[j * size + j] = hessian[j * size + j]! + l2
    }
    let largest = 0
    for (let j = 0; j < size; j++) largest = Math.max(largest, Math.abs(gradient[j]!))
    if (largest <= 1e-9 * Math.max(n, 1)) return model(beta, iteration - 1, true)
    for (let j = 0; j < size; j++)
      for (let k = j + 1; k < size; k++) hessian[j * size + k] = hessian[k * size + j]!
    const step = solveCholesky(hessian, gradient, size)
    if (step === undefined)
      throw new Error(
        'the features are collinear (or a label is predicted perfectly): use an L2 penalty above 0',
      )
    // Near the optimum the objective's change (the Newton decrement, gᵀH⁻¹g/2) drowns in the
    // rounding of its sum before the step does: the full step is then taken, and it is the last.
    let decrement = 0
    for (let j = 0; j < size; j++) decrement += (gradient[j]! * step[j]!) / 2
    if (decrement <= 1e-11 * Math.max(1, Math.abs(loss)))
      return model(
        beta.map((b, j) => b - step[j]!),
        iteration,
        true,
      )
    // Newton's step, halved until the objective does not grow: far from the optimum (large
    // weights, rare labels) a full step can overshoot.
    for (let scale = 1; ; scale /= 2) {
      const next = beta.map((b, j) => b - scale * step[j]!)
      const nextLoss = objective(x, labels, next, l2)
      if (nextLoss <= loss || scale < 1e-10) {
        beta = next
        loss = nextLoss
        break
      }
    }
  }
  return model(beta, maxIterations, false)
}

function model(beta: Float64Array, iterations: number, converged: boolean): LogisticModel {
  return { bias: beta[0]!, weights: beta.slice(1), iterations, converged }
}

/** `Σ log loss + λ/2 · Σ weights²`. */
function objective(x: Matrix, labels: Uint8Array, beta: Float64Array, l2: number): number {
  const { n, d, values } = x
  let sum = 0
  for (let i = 0; i < n; i++) {
    let z = beta[0]!
    for (let j = 0; j < d; j++) z += beta[j + 1]! * values[i * d + j]!
    // log(1 + e^z) − y·z, written so that neither branch overflows.
    sum += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - labels[i]! * z
  }
  for (let j = 1; j < beta.length; j++) sum += (l2 / 2) * beta[j]! ** 2
  return sum
}

const linear = (row: Float64Array, beta: Float64Array) => {
  let z = 0
  for (let j = 0; j < row.length; j++) z += row[j]! * beta[j]!
  return z
}

export const sigmoid = (z: number) => 1 / (1 + Math.exp(-z))
