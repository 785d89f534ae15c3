// `tagwise fit`'s model (issue 21): time to learn a score from 100,000 profiles × 10 features
// (learnScore: holdout split, imputation, standardization, Newton's method, holdout figures), the
// rows drawn from a known logistic model with some missing values. Reading the events is
// `tagwise eval`'s cost (cli.bench.ts). Medians of 3 runs; no timed assertions.
import { learnScore } from '../../cli/fit/learn-score.ts'
import { sigmoid } from '../../cli/fit/logistic-regression.ts'
import { mulberry32 } from '../support/events.ts'
import { fmt, gc, median, table } from './harness.ts'

const ROWS = 100_000
const FEATURES = 10
const random = mulberry32(100)
const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
const truth = Array.from({ length: FEATURES }, (_, j) => (j % 2 === 0 ? 1 : -1) * (0.2 + j / 10))
const values = new Float64Array(ROWS * FEATURES)
const labels = new Uint8Array(ROWS)
for (let i = 0; i < ROWS; i++) {
  let z = -1
  for (let j = 0; j < FEATURES; j++) {
    const x = 10 * j + (j + 1) * normal() // raw scales differ, as metrics' do
    z += (truth[j]! * (x - 10 * j)) / (j + 1)
    values[i * FEATURES + j] = random() < 0.05 ? NaN : x
  }
  labels[i] = random() < sigmoid(z) ? 1 : 0
}
const paths = Array.from({ length: FEATURES }, (_, j) => `metrics.f${j}`)

const times: number[] = []
let last: ReturnType<typeof learnScore> | undefined
for (let run = 0; run < 3; run++) {
  gc()
  const start = performance.now()
  last = learnScore({ paths, values, labels }, { holdout: 0.2, seed: 1, l2: 1, impute: 'mean' })
  times.push(performance.now() - start)
}
console.log(
  table([
    ['fit', 'rows', 'features', 'Newton steps', 'holdout AUC', 'median time'],
    [
      'learnScore',
      String(ROWS),
      String(FEATURES),
      String(last!.iterations),
      last!.measured.auc.toFixed(4),
      `${fmt(median(times))} ms`,
    ],
  ]),
)
