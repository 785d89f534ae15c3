import type { ProfileAt } from '../profiles-at.ts'
import { featureReader } from './features.ts'
import type { Dataset } from './learn-score.ts'

/**
 * One row per profile that existed at `now` (had an event by then): the features as a score tag
 * reads them from `{ metrics, tags, traits, now }` (`NaN` when missing), and the label. A label
 * that throws is false, as a tag whose expression throws is absent; `failed` counts those.
 */
export function profileTable(
  profiles: readonly ProfileAt[],
  now: number,
  paths: string[],
  label: (data: unknown, key: string) => boolean,
) {
  const readers = paths.map(featureReader)
  const rows = profiles.filter((p) => p.existed)
  const values = new Float64Array(rows.length * paths.length)
  const labels = new Uint8Array(rows.length)
  let failed: { count: number; first: string } | undefined
  rows.forEach(({ key, state }, i) => {
    const { tags, metrics } = state.evaluate(now, { nextChangeAt: false })
    const data = { metrics, tags, traits: state.traits(), now }
    readers.forEach((read, j) => (values[i * paths.length + j] = read(data) ?? NaN))
    try {
      labels[i] = label(data, key) ? 1 : 0
    } catch (error) {
      failed = {
        count: (failed?.count ?? 0) + 1,
        first: failed?.first ?? (error instanceof Error ? error.message : String(error)),
      }
    }
  })
  const dataset: Dataset = { paths, values, labels }
  return { dataset, profiles: rows, failed }
}
