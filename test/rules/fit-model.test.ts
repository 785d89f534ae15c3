// The model under `tagwise fit` (cli/fit/): logistic regression against scikit-learn's on a fixed
// dataset (test/fixtures/fit/sklearn-logistic.json; regenerate with the script next to it),
// recovery of a known model from seeded data, and the holdout figures on cases worked by hand.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { solveCholesky } from '../../cli/fit/cholesky.ts'
import { auc, bestF1, calibration, logLoss } from '../../cli/fit/holdout-metrics.ts'
import { holdoutSplit } from '../../cli/fit/holdout-split.ts'
import { fitLogistic, sigmoid, type Matrix } from '../../cli/fit/logistic-regression.ts'
import { onRawFeatures, scalingOf, standardize } from '../../cli/fit/standardize.ts'
import { mulberry32 } from '../support/events.ts'

const matrix = (rows: number[][]): Matrix => ({
  values: Float64Array.from(rows.flat()),
  n: rows.length,
  d: rows[0]!.length,
})

/**
 * Every row's log-odds from the raw weights on the raw features equal those of the model on the
 * standardized features, to `digits` decimals.
 */
function expectSameLogOdds(
  x: Matrix,
  standardized: Matrix,
  model: { bias: number; weights: ArrayLike<number> },
  raw: { bias: number; weights: ArrayLike<number> },
  digits: number,
): void {
  for (let i = 0; i < x.n; i++) {
    let zRaw = raw.bias
    let zStd = model.bias
    for (let j = 0; j < x.d; j++) {
      zRaw += raw.weights[j]! * x.values[i * x.d + j]!
      zStd += model.weights[j]! * standardized.values[i * x.d + j]!
    }
    expect(zRaw).toBeCloseTo(zStd, digits)
  }
}

describe('logistic regression', { timeout: 60_000 }, () => {
  const reference = JSON.parse(
    readFileSync(new URL('../fixtures/fit/sklearn-logistic.json', import.meta.url), 'utf8'),
  ) as {
    x: number[][]
    y: number[]
    fits: { l2: number; bias: number; weights: number[] }[]
  }

  it.each(reference.fits)('equals scikit-learn within 1e-4 (λ = $l2)', ({ l2, bias, weights }) => {
    const x = matrix(reference.x)
    const model = fitLogistic(standardize(x, scalingOf(x)), Uint8Array.from(reference.y), { l2 })
    expect(model.converged).toBe(true)
    expect(Math.abs(model.bias - bias)).toBeLessThan(1e-4)
    weights.forEach((w, j) => expect(Math.abs(model.weights[j]! - w)).toBeLessThan(1e-4))
  })

  it('written on the raw features, gives the same probabilities as on the standardized ones', () => {
    const x = matrix(reference.x)
    const scaling = scalingOf(x)
    const standardized = standardize(x, scaling)
    const model = fitLogistic(standardized, Uint8Array.from(reference.y), { l2: 1 })
    expectSameLogOdds(x, standardized, model, onRawFeatures(model, scaling), 10)
  })

  it('standardizes features that reach the largest double, and the raw weights agree', () => {
    // A sum the engine keeps at ±1.8e308 (revenue of 1e308 orders): the mean's sum and the
    // deviation's squares overflowed to Infinity, every weight became NaN, and `tagwise fit`
    // answered "the features are collinear" whatever the L2 penalty.
    const random = mulberry32(7)
    const rows = Array.from({ length: 200 }, (_, i) => [
      (i % 2 ? 1 : -1) * Number.MAX_VALUE * random(),
      i % 3 ? 1e308 : Number.MAX_VALUE,
      random() * 10,
    ])
    const y = Uint8Array.from(rows, (row) => (row[0]! > 0 ? 1 : 0))
    const x = matrix(rows)
    const scaling = scalingOf(x)
    for (const value of [...scaling.mean, ...scaling.sd]) expect(Number.isFinite(value)).toBe(true)
    const standardized = standardize(x, scaling)
    for (let j = 0; j < x.d; j++) {
      let sum = 0
      let squares = 0
      for (let i = 0; i < x.n; i++) sum += standardized.values[i * x.d + j]!
      for (let i = 0; i < x.n; i++) squares += standardized.values[i * x.d + j]! ** 2
      expect(Math.abs(sum / x.n)).toBeLessThan(1e-9)
      expect(squares / x.n).toBeCloseTo(1, 9)
    }
    const model = fitLogistic(standardized, y, { l2: 1 })
    expect(model.converged).toBe(true)
    const raw = onRawFeatures(model, scaling)
    for (const value of [raw.bias, ...raw.weights]) expect(Number.isFinite(value)).toBe(true)
    expectSameLogOdds(x, standardized, model, raw, 6)
  })

  it('recovers a known model from seeded data: weights within 0.08, signs right, AUC as the truth', () => {
    const truth = { bias: -0.7, weights: [1.2, -0.8, 0.5, 0, -1.5] }
    const random = mulberry32(2104)
    const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
    const rows = 40_000
    const x = new Float64Array(rows * 5)
    const y = new Uint8Array(rows)
    for (let i = 0; i < rows; i++) {
      let z = truth.bias
      for (let j = 0; j < 5; j++) z += truth.weights[j]! * (x[i * 5 + j] = normal())
      y[i] = random() < sigmoid(z) ? 1 : 0
    }
    const { train, holdout } = holdoutSplit(rows, 0.25, 7)
    const pick = (indexes: number[]): Matrix => ({
      values: Float64Array.from(indexes.flatMap((i) => [...x.subarray(i * 5, i * 5 + 5)])),
      n: indexes.length,
      d: 5,
    })
    const model = fitLogistic(
      pick(train),
      Uint8Array.from(train, (i) => y[i]!),
      { l2: 1 },
    )
    truth.weights.forEach((w, j) => {
      expect(Math.abs(model.weights[j]! - w)).toBeLessThan(0.08)
      if (w !== 0) expect(Math.sign(model.weights[j]!)).toBe(Math.sign(w))
    })
    expect(Math.abs(model.bias - truth.bias)).toBeLessThan(0.08)
    const score = (beta: { bias: number; weights: ArrayLike<number> }) =>
      holdout.map((i) => {
        let z = beta.bias
        for (let j = 0; j < 5; j++) z += beta.weights[j]! * x[i * 5 + j]!
        return sigmoid(z)
      })
    const labels = holdout.map((i) => y[i]!)
    const fitted = auc(score(model), labels)
    const best = auc(score(truth), labels)
    expect(best).toBeGreaterThan(0.8)
    expect(Math.abs(fitted - best)).toBeLessThan(0.005)
  })

  it('throws in words when the features are collinear and nothing penalizes them', () => {
    const x = matrix([
      [1, 2],
      [2, 4],
      [3, 6],
      [4, 8],
    ])
    expect(() => fitLogistic(x, Uint8Array.from([0, 1, 0, 1]), { l2: 0 })).toThrow(/collinear/)
  })
})

describe('Cholesky solve', () => {
  it('solves a positive definite system and refuses an indefinite one', () => {
    const a = Float64Array.from([4, 2, 2, 3])
    const x = solveCholesky(a, Float64Array.from([2, 1]), 2)!
    expect([...x].map((v) => +v.toFixed(12))).toEqual([0.5, 0])
    expect(solveCholesky(Float64Array.from([1, 2, 2, 1]), Float64Array.from([1, 1]), 2)).toBe(
      undefined,
    )
  })
})

describe('holdout figures', () => {
  it('AUC counts ties as half and is NaN with one class', () => {
    expect(auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75)
    expect(auc([0.5, 0.5], [0, 1])).toBe(0.5)
    expect(auc([0.2, 0.3], [1, 1])).toBeNaN()
  })

  it('log loss is the mean negative log-likelihood', () => {
    expect(logLoss([0.8, 0.4], [1, 0])).toBeCloseTo(-(Math.log(0.8) + Math.log(0.6)) / 2, 12)
    expect(Number.isFinite(logLoss([0, 1], [1, 0]))).toBe(true)
  })

  it('calibration bins sorted rows into deciles', () => {
    const p = Array.from({ length: 20 }, (_, i) => i / 20)
    const bins = calibration(
      p,
      p.map((q) => (q >= 0.5 ? 1 : 0)),
    )
    expect(bins).toHaveLength(10)
    expect(bins[0]).toEqual({ rows: 2, predicted: 0.025, observed: 0 })
    expect(bins[9]).toEqual({ rows: 2, predicted: 0.925, observed: 1 })
  })

  it('the best-F1 threshold is the shortest decimal making the best cut', () => {
    // Cut above 0.41: precision 1, recall 1; the shortest decimal in (0.41, 0.62] is 0.5.
    expect(bestF1([0.9, 0.62, 0.41, 0.3, 0.2], [1, 1, 0, 0, 0])).toEqual({
      threshold: 0.5,
      f1: 1,
      precision: 1,
      recall: 1,
    })
    // Cut at 0.3: precision 3/4, recall 1, F1 6/7 beats 0.8 above 0.41 (2/2, 2/3).
    const result = bestF1([0.9, 0.62, 0.41, 0.3, 0.2], [1, 1, 0, 1, 0])!
    expect(result.threshold).toBe(0.3)
    expect(result.f1).toBeCloseTo(6 / 7, 12)
    expect(bestF1([0.3, 0.2], [0, 0])).toBe(undefined)
  })

  it('the split is seeded and disjoint', () => {
    const a = holdoutSplit(100, 0.2, 5)
    expect(a).toEqual(holdoutSplit(100, 0.2, 5))
    expect(a.holdout).toHaveLength(20)
    expect(new Set([...a.holdout, ...a.train]).size).toBe(100)
    expect(holdoutSplit(100, 0.2, 6).holdout).not.toEqual(a.holdout)
  })
})
