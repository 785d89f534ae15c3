// The features of `tagwise fit`: data paths a score tag's weights read, and their values as the
// engine's score reads them, with missing values told apart so that they can be imputed.
import { compileLogic, didYouMean, scoreFeature, type Rules } from '../../rules/index.ts'
import { usageError } from '../usage.ts'

/** Aggregations whose value is a number (or `null`): the default features. */
const NUMERIC = new Set([
  'count',
  'sum',
  'min',
  'max',
  'avg',
  'distinct',
  'since_first',
  'since_last',
  'dwell',
  'dwell_max',
])

/** `--features` as data paths, or by default every numeric metric of the rules. */
export function featurePaths(list: string | undefined, rules: Rules): string[] {
  const metrics = rules.metricIds
  if (list === undefined)
    return metrics
      .filter((id) => NUMERIC.has(rules.document.metrics[id]!.agg))
      .map((id) => `metrics.${id}`)
  const paths = list
    .split(',')
    .map((path) => path.trim())
    .filter((path) => path !== '')
  if (paths.length === 0)
    throw usageError('--features needs at least one data path, like metrics.orders_90d')
  const tags = rules.tags.map((t) => t.id)
  for (const path of paths) {
    const [root, id, ...rest] = path.split('.')
    const known = root === 'metrics' ? metrics : root === 'tags' ? tags : undefined
    if (root === 'traits' && id !== undefined && id !== '') continue
    if (known === undefined || id === undefined || rest.length > 0 || !known.includes(id))
      throw usageError(
        `--features: unknown feature "${path}"${didYouMean(path, [...metrics.map((m) => `metrics.${m}`), ...tags.map((t) => `tags.${t}`)])}; features are metrics.<id>, tags.<id> or traits.<name>`,
      )
  }
  if (new Set(paths).size !== paths.length) throw usageError('--features names a feature twice')
  return paths
}

/**
 * A reader of one feature: its value in `{ metrics, tags, traits }` as a score weight multiplies it
 * (`true` → 1, numeric strings as numbers, anything else 0), or `undefined` when missing (`null` or
 * absent), which the score tag would read as 0.
 */
export function featureReader(path: string): (data: unknown) => number | undefined {
  const read = compileLogic({ var: path })
  return (data) => {
    const value = read(data)
    return value === null || value === undefined ? undefined : scoreFeature(value)
  }
}
