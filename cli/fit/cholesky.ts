/**
 * Solves `A x = b` for a symmetric positive definite `A` (row-major, `d × d`) by its Cholesky
 * factor `A = L Lᵀ`; `undefined` when `A` is not positive definite (to the precision of the pivots).
 * O(d³): meant for the few dozen unknowns of a model, not for large systems.
 */
export function solveCholesky(
  a: Float64Array,
  b: Float64Array,
  d: number,
): Float64Array | undefined {
  const l = new Float64Array(d * d)
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * d + j]!
      for (let k = 0; k < j; k++) sum -= l[i * d + k]! * l[j * d + k]!
      if (i === j) {
        // A pivot this small relative to its diagonal means A is singular as far as doubles tell.
        if (!(sum > 1e-12 * Math.abs(a[i * d + i]!))) return undefined
        l[i * d + i] = Math.sqrt(sum)
      } else l[i * d + j] = sum / l[j * d + j]!
    }
  }
  const y = new Float64Array(d)
  for (let i = 0; i < d; i++) {
    let sum = b[i]!
    for (let k = 0; k < i; k++) sum -= l[i * d + k]! * y[k]!
    y[i] = sum / l[i * d + i]!
  }
  const x = new Float64Array(d)
  for (let i = d - 1; i >= 0; i--) {
    let sum = y[i]!
    for (let k = i + 1; k < d; k++) sum -= l[k * d + i]! * x[k]!
    x[i] = sum / l[i * d + i]!
  }
  return x
}
