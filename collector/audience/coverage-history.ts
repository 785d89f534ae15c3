import type { ActiveRules } from '../rules/active-rules.ts'
import { coverageByTag, coverageStatement, type Coverage } from './coverage.ts'

/** Days of coverage history kept (issue 20: at least 400, for a year's chart and its comparison). */
export const HISTORY_DAYS = 400

/** One day of a tag's coverage. */
export interface CoverageDay {
  /** `YYYY-MM-DD`, UTC. */
  day: string
  profiles: number
  coverage: Coverage
}

const DAY_MS = 86_400_000

/** The UTC day of `ms` as `YYYY-MM-DD`. */
export const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10)

/**
 * Records every tag's coverage of the active rules for the UTC day of `at` (the daily Cron
 * Trigger's time) and drops days older than `HISTORY_DAYS`. Idempotent: a second run the same day
 * replaces that day's rows. A tag no profile holds is recorded with 0, so a chart shows the drop.
 * Two D1 round trips, whatever the number of tags.
 */
export async function snapshotCoverage(
  db: D1Database,
  active: ActiveRules,
  at: number,
): Promise<number> {
  const scoreTags = active.rules.tags.filter((tag) => tag.kind === 'score').map((tag) => tag.id)
  const statement = coverageStatement(scoreTags)
  const rows = await db
    .prepare(statement.sql)
    .bind(...statement.params)
    .all<Record<string, unknown>>()
  const held = coverageByTag(rows.results)
  const day = dayOf(at)
  const empty: Coverage = { profiles: 0, distinctValues: 0, bucketed: false, values: [] }
  const writes = active.rules.tags.map((tag) => {
    const coverage = held.get(tag.id)?.coverage ?? empty
    return db
      .prepare(
        `INSERT OR REPLACE INTO coverage_history (day, tag, profiles, coverage) VALUES (?, ?, ?, ?)`,
      )
      .bind(day, tag.id, coverage.profiles, JSON.stringify(coverage))
  })
  const oldest = dayOf(at - (HISTORY_DAYS - 1) * DAY_MS)
  await db.batch([...writes, db.prepare(`DELETE FROM coverage_history WHERE day < ?`).bind(oldest)])
  return writes.length
}

/** Every tag's profiles per day for the last `days` days up to the day of `now`, oldest first. */
export async function profilesHistory(
  db: D1Database,
  days: number,
  now: number,
): Promise<Record<string, { day: string; profiles: number }[]>> {
  const from = dayOf(now - (days - 1) * DAY_MS)
  const rows = await db
    .prepare(`SELECT tag, day, profiles FROM coverage_history WHERE day >= ? ORDER BY tag, day`)
    .bind(from)
    .all<{ tag: string; day: string; profiles: number }>()
  const byTag: Record<string, { day: string; profiles: number }[]> = {}
  for (const row of rows.results)
    (byTag[row.tag] ??= []).push({ day: row.day, profiles: row.profiles })
  return byTag
}

/** The last `days` days of `tag`'s coverage up to the day of `now`, oldest first. */
export async function coverageHistory(
  db: D1Database,
  tag: string,
  days: number,
  now: number,
): Promise<CoverageDay[]> {
  const from = dayOf(now - (days - 1) * DAY_MS)
  const rows = await db
    .prepare(
      `SELECT day, profiles, coverage FROM coverage_history WHERE tag = ? AND day >= ? ORDER BY day`,
    )
    .bind(tag, from)
    .all<{ day: string; profiles: number; coverage: string }>()
  return rows.results.map((row) => ({
    day: row.day,
    profiles: row.profiles,
    coverage: JSON.parse(row.coverage) as Coverage,
  }))
}
