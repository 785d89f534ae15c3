// `tagwise fit --rules RULES.json --events EVENTS.ndjson --label LABEL`: learns a score tag's weights
// from the profiles at --now (cli/fit/). stdout: the tag, as a member of the rules' `tags`; stderr:
// the report.
import { checkRules, formatProblem, truthy, type TagDef } from '../rules/index.ts'
import { compileRulesFile } from './check.ts'
import { CliError } from './cli-error.ts'
import { featurePaths } from './fit/features.ts'
import { profileTable } from './fit/profile-table.ts'
import { describeLabel, isOutcome, parseLabel, type Label } from './fit/label.ts'
import { LearnError, learnScore, type LearnedScore, type LearnOptions } from './fit/learn-score.ts'
import { report } from './fit/report.ts'
import { oneLine, type Output } from './output.ts'
import { parseNow, profilesAt } from './profiles-at.ts'
import { parse, usageError } from './usage.ts'

export async function fit(args: string[], out: Output, err: Output): Promise<number> {
  const string = { type: 'string' } as const
  const { values } = parse(
    args,
    {
      rules: string,
      events: string,
      label: string,
      features: string,
      now: string,
      horizon: string,
      holdout: string,
      seed: string,
      l2: string,
      tag: string,
      impute: string,
    },
    0,
  )
  if (values.rules === undefined) throw usageError('fit needs --rules RULES.json')
  if (values.events === undefined) throw usageError('fit needs --events EVENTS.ndjson (or -)')
  if (values.label === undefined)
    throw usageError(
      'fit needs --label: a JsonLogic expression or event:"Event Name" with --horizon',
    )
  const label = parseLabel(values.label, values.horizon)
  const fixedNow = parseNow(values.now)
  if (label.kind === 'event' && fixedNow === undefined)
    throw usageError(
      'an event label needs --now: the features are taken at it, the outcome after it',
    )
  const options: LearnOptions = {
    holdout: option(
      values.holdout,
      'holdout',
      0.2,
      (x) => x >= 0 && x < 1,
      'a share from 0 to below 1, like 0.2',
    ),
    seed: option(values.seed, 'seed', 1, Number.isSafeInteger, 'an integer'),
    l2: option(values.l2, 'l2', 1, (x) => x >= 0, 'a number ≥ 0'),
    impute: impute(values.impute),
  }
  const tagId = values.tag ?? defaultTagId(label)
  const rules = await compileRulesFile(values.rules, err)
  if (rules === undefined) return 1
  const paths = featurePaths(values.features, rules)
  if (paths.length === 0)
    throw usageError('the rules have no numeric metric: name the features with --features')
  if (paths.includes(`tags.${tagId}`))
    throw usageError(`--features: the tag "${tagId}" cannot read itself`)

  const outcomes = new Set<string>()
  const later =
    label.kind === 'event'
      ? (event: Parameters<typeof isOutcome>[1], key: string) => {
          if (isOutcome(label, event, fixedNow!)) outcomes.add(key)
        }
      : undefined
  const { profiles, now, bad } = await profilesAt(values.events, rules, fixedNow, err, later)

  const table = profileTable(profiles, now, paths, (data, key) =>
    label.kind === 'event' ? outcomes.has(key) : truthy(label.evaluate(data)),
  )
  if (table.failed !== undefined)
    err.write(
      `warning: the label failed for ${table.failed.count} profiles, read as false (first: ${oneLine(table.failed.first)})\n`,
    )

  let score: LearnedScore
  try {
    score = learnScore(table.dataset, options)
  } catch (error) {
    if (error instanceof LearnError) throw new CliError(error.message, 1)
    if (error instanceof Error && /collinear/.test(error.message))
      throw new CliError(error.message, 1)
    throw error
  }
  const labelText = describeLabel(label)
  const threshold = score.threshold?.threshold ?? 0.5
  const tag: TagDef = {
    name:
      label.kind === 'event'
        ? `Likely: ${label.event} within ${label.horizon}`
        : `Predicted: ${label.text}`,
    description: `Logistic score learned by tagwise fit from ${score.rows.all} profiles at ${new Date(now).toISOString()}: ${labelText}. ${score.measured.on === 'holdout' ? 'Holdout' : 'Training'} AUC ${score.measured.auc.toFixed(3)}; threshold ${threshold}, the best F1.`,
    category: 'predictive',
    status: 'draft',
    score: {
      bias: score.bias,
      weights: Object.fromEntries(score.weights.map((w) => [w.path, w.weight])),
      threshold,
    },
  }
  // The tag must be one the rules accept as they are: checked here so a bad --tag is said now.
  const document = { ...rules.document, tags: { ...rules.document.tags, [tagId]: tag } }
  const checked = checkRules(JSON.stringify(document))
  if (!checked.ok)
    throw new CliError(checked.problems.map((p) => oneLine(formatProblem(p))).join('\n'), 1)
  if (tagId in rules.document.tags)
    err.write(`note: the rules already have a tag "${tagId}": this one replaces it\n`)
  err.write(report(score, { now, label: labelText, options }))
  out.write(`${JSON.stringify({ [tagId]: tag }, null, 2)}\n`)
  return bad > 0 ? 1 : 0
}

/** A numeric option: its default when not given, a usage error when it is not a number that fits. */
function option(
  text: string | undefined,
  name: string,
  fallback: number,
  fits: (x: number) => boolean,
  what: string,
) {
  if (text === undefined) return fallback
  const x = Number(text)
  if (text.trim() === '' || !Number.isFinite(x) || !fits(x))
    throw usageError(`--${name} must be ${what} (got "${text}")`)
  return x
}

function impute(text: string | undefined): LearnOptions['impute'] {
  if (text === undefined || text === 'zero' || text === 'mean') return text ?? 'zero'
  throw usageError(`--impute must be zero or mean (got "${text}")`)
}

/** `likely_order_completed` for an event label, `predicted_label` otherwise. */
function defaultTagId(label: Label): string {
  if (label.kind === 'logic') return 'predicted_label'
  const words = label.event
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '')
  return `likely_${words}`.slice(0, 64).replace(/_$/, '')
}
