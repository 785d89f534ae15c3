// `tagwise fit`'s report on stderr: what was learned from what, and how well it predicts.
import type { LearnedScore, LearnOptions } from './learn-score.ts'

export interface ReportContext {
  now: number
  label: string
  options: LearnOptions
}

export function report(score: LearnedScore, context: ReportContext): string {
  const { rows, measured, threshold } = score
  const { options } = context
  const percent = (x: number) => `${(100 * x).toFixed(1)}%`
  const lines = [
    `rows: ${rows.all} profiles at ${new Date(context.now).toISOString()}: ${rows.train} fitted, ${rows.holdout} held out (--holdout ${options.holdout}, --seed ${options.seed})`,
    `label: ${context.label}: ${rows.positives} positive (${percent(rows.positives / rows.all)})`,
  ]
  for (const { path, missing, value } of score.imputed)
    if (missing > 0)
      lines.push(
        `missing: ${path} in ${missing} profiles (${percent(missing / rows.all)}), fitted as ${
          options.impute === 'zero'
            ? '0, as the score tag reads a missing value'
            : `${format(value)}, its mean (--impute mean); warning: the score tag reads a missing value as 0, so these profiles score differently from the fit, and the figures below are the tag's`
        }`,
      )
  for (const { path, value } of score.constant)
    lines.push(`warning: ${path} is ${format(value)} for every profile fitted: left out`)
  lines.push(
    `model: logistic regression on standardized features, L2 penalty ${options.l2} (--l2), ${
      score.converged
        ? `converged in ${score.iterations} Newton steps`
        : `NOT converged after ${score.iterations} steps`
    }`,
  )
  const width = Math.max(8, ...score.weights.map((w) => w.path.length))
  lines.push(
    `  ${'feature'.padEnd(width)}  ${'weight'.padStart(12)}  per standard deviation (log-odds)`,
  )
  lines.push(`  ${'bias'.padEnd(width)}  ${format(score.bias).padStart(12)}`)
  for (const w of [...score.weights].sort(
    (a, b) => Math.abs(b.standardized) - Math.abs(a.standardized),
  ))
    lines.push(
      `  ${w.path.padEnd(width)}  ${format(w.weight).padStart(12)}  ${(w.standardized >= 0 ? '+' : '') + w.standardized.toFixed(3)}`,
    )
  const where = measured.on === 'holdout' ? 'holdout' : 'rows fitted (no holdout)'
  lines.push(
    `${where}: AUC ${Number.isNaN(measured.auc) ? 'n/a (one class only)' : measured.auc.toFixed(4)}, log loss ${measured.logLoss.toFixed(4)} (${measured.baseLogLoss.toFixed(4)} for a constant ${percent(rows.positives / rows.all)})`,
    `calibration by decile of the ${measured.on === 'holdout' ? 'holdout' : 'rows fitted'}:`,
    `  decile  profiles  predicted  observed`,
    ...measured.calibration.map(
      (bin, i) =>
        `  ${String(i + 1).padStart(6)}  ${String(bin.rows).padStart(8)}  ${percent(bin.predicted).padStart(9)}  ${percent(bin.observed).padStart(8)}`,
    ),
  )
  lines.push(
    threshold === undefined
      ? `threshold: 0.5, the default: the ${where} has no positive profile to choose one on`
      : `threshold: ${threshold.threshold}, the best F1 on the ${where} (F1 ${threshold.f1.toFixed(3)}, precision ${threshold.precision.toFixed(3)}, recall ${threshold.recall.toFixed(3)})`,
  )
  return lines.join('\n') + '\n'
}

/** A number as the tag has it (already rounded to 6 significant digits). */
const format = (x: number) => String(Number(x.toPrecision(6)))
