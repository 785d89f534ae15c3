import { Hono, type Context } from 'hono'
import type { TagKind } from '../../rules/index.ts'
import { activeRules } from '../rules/active-rules.ts'
import { adminAuth } from '../auth/admin-auth.ts'
import { coverageByTag, coverageStatement, type Coverage } from '../audience/coverage.ts'
import type { AppEnv } from '../env.ts'
import { fail } from '../http-error.ts'
import {
  coverageHistory,
  HISTORY_DAYS,
  profilesHistory,
  type CoverageDay,
} from '../audience/coverage-history.ts'

/** One tag of `GET /v1/catalog`. */
export interface CatalogTag {
  id: string
  name: string | null
  description: string | null
  /** Its category path ("/" separated, a key of `categories` or any path), or `null`. */
  category: string | null
  owner: string | null
  status: 'draft' | 'certified' | 'deprecated'
  deprecated: boolean
  kind: TagKind
  /** Where it is evaluated: on the device too (session metrics only), or at the edge only. */
  evaluates: 'device' | 'edge'
  coverage: Coverage /** ISO-8601 time of the latest change of the tag in the index, or `null` when none holds it. */
  lastChangeAt: string | null
  health: TagHealth
}

/** What a catalog's owner should look at (`GET /v1/catalog`; the dashboard flags them). */
export interface TagHealth {
  /** Profiles whose evaluation of the tag throws (it is absent for them), with one error. */
  throws: { profiles: number; error: string } | null
  /** No profile holds it now, and none did on any day of the coverage history. */
  neverHeld: boolean
  /** Held by at least 95 % of the profiles. */
  nearlyEveryone: boolean
  /** Held by someone, but no change in the index for 30 days. */
  unchangedFor30Days: boolean
}

const NEARLY_EVERYONE = 0.95
const UNCHANGED_MS = 30 * 86_400_000
const ERRORS_SQL = `SELECT tag, count(*) AS profiles, min(error) AS error FROM tag_errors GROUP BY tag`
const MOST_HELD_SQL = `SELECT tag, max(profiles) AS most FROM coverage_history GROUP BY tag`

/** One metric of `GET /v1/catalog`. */
export interface CatalogMetric {
  id: string
  description: string | null
  agg: string
  window: string
  /** `device` for session metrics (the SDK computes them too), else `edge`. */
  evaluates: 'device' | 'edge'
}

/** The answer to `GET /v1/catalog/history` without a tag: every tag's profiles per day. */
export interface CatalogHistoriesResponse {
  days: number
  /** By tag id, oldest day first (a sparkline per tag). */
  tags: Record<string, { day: string; profiles: number }[]>
}

/** The answer to `GET /v1/catalog/history?tag=…`. */
export interface CatalogHistoryResponse {
  tag: string
  /** The days asked for, oldest first; a day the snapshot did not run is missing. */
  days: CoverageDay[]
}

/** The answer to `GET /v1/catalog`. */
export interface CatalogResponse {
  /** The active rules version (as `GET /v1/rules` gives it in its `ETag`). */
  rulesVersion: string
  /** Profiles in the directory (or, while it is empty, profiles in the tag index). */
  profiles: number
  categories: Record<string, string>
  tags: CatalogTag[]
  metrics: CatalogMetric[]
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null)

// The directory counts profiles; before anything wrote it, the tag index is the best count there is.
const PROFILES_SQL = `SELECT CASE WHEN EXISTS (SELECT 1 FROM profiles)
  THEN (SELECT count(*) FROM profiles)
  ELSE (SELECT count(DISTINCT profile) FROM tag_index) END AS n`

/**
 * `GET /v1/catalog` (adminKey): every tag of the active rules in document order with its metadata,
 * kind, where it evaluates and its coverage in the tag index; every metric. Two statements in one
 * D1 batch, whatever the number of tags.
 */
export const catalog = new Hono<AppEnv>()
  .get('/catalog/history', adminAuth(), history)
  .get('/catalog', adminAuth(), async (c) => {
    const { version, document, rules } = await activeRules(c.env)
    const info = new Map(rules.tags.map((tag) => [tag.id, tag]))
    const scoreTags = rules.tags.filter((tag) => tag.kind === 'score').map((tag) => tag.id)
    const coverage = coverageStatement(scoreTags)
    const [coverageRows, profileRows, errorRows, mostRows] = await c.env.DB.batch([
      c.env.DB.prepare(coverage.sql).bind(...coverage.params),
      c.env.DB.prepare(PROFILES_SQL),
      c.env.DB.prepare(ERRORS_SQL),
      c.env.DB.prepare(MOST_HELD_SQL),
    ])
    const held = coverageByTag(coverageRows!.results as Record<string, unknown>[])
    const total = (profileRows!.results[0] as { n: number }).n
    const errors = new Map(
      (errorRows!.results as { tag: string; profiles: number; error: string }[]).map((row) => [
        row.tag,
        { profiles: row.profiles, error: row.error },
      ]),
    )
    const mostHeld = new Map(
      (mostRows!.results as { tag: string; most: number }[]).map((row) => [row.tag, row.most]),
    )
    const now = Date.now()
    const tags = Object.entries(document.tags).map(([id, def]): CatalogTag => {
      const status = def.status ?? 'draft'
      const found = held.get(id)
      return {
        id,
        name: text(def.name),
        description: text(def.description),
        category: text(def.category),
        owner: text(def.owner),
        status,
        deprecated: status === 'deprecated',
        kind: info.get(id)!.kind,
        evaluates: info.get(id)!.evaluatedOn,
        coverage: found?.coverage ?? {
          profiles: 0,
          distinctValues: 0,
          bucketed: false,
          values: [],
        },
        lastChangeAt:
          found?.lastChangeAt == null ? null : new Date(found.lastChangeAt).toISOString(),
        health: {
          throws: errors.get(id) ?? null,
          neverHeld: (found?.coverage.profiles ?? 0) === 0 && (mostHeld.get(id) ?? 0) === 0,
          nearlyEveryone: total > 0 && (found?.coverage.profiles ?? 0) >= NEARLY_EVERYONE * total,
          unchangedFor30Days:
            found?.lastChangeAt != null &&
            found.coverage.profiles > 0 &&
            now - found.lastChangeAt > UNCHANGED_MS,
        },
      }
    })
    const metrics = Object.entries(document.metrics).map(([id, def]): CatalogMetric => ({
      id,
      description: text(def.description),
      agg: def.agg,
      window: def.window,
      evaluates: def.window === 'session' ? 'device' : 'edge',
    }))
    return c.json<CatalogResponse>({
      rulesVersion: version,
      profiles: total,
      categories: document.categories ?? {},
      tags,
      metrics,
    })
  })

/**
 * `GET /v1/catalog/history[?tag=…][&days=30]` (adminKey): without a tag, every tag's profiles per
 * day (the catalog's sparklines, one request); with one, the tag's coverage per day, as the daily
 * snapshot (`snapshotCoverage`, a Cron Trigger) recorded it, for the last `days` days (1 to 400).
 * A tag the rules no longer define still answers with the history it has.
 */
async function history(c: Context<AppEnv>): Promise<Response> {
  const tag = c.req.query('tag')
  if (tag === '')
    throw fail(400, 'query parameter "tag" must name a tag (GET /v1/catalog lists them)')
  const daysText = c.req.query('days') ?? '30'
  const days = Number(daysText)
  if (!Number.isInteger(days) || days < 1 || days > HISTORY_DAYS)
    throw fail(
      400,
      `"days" must be a whole number from 1 to ${HISTORY_DAYS} (got ${JSON.stringify(daysText)})`,
    )
  if (tag === undefined)
    return c.json<CatalogHistoriesResponse>({
      days,
      tags: await profilesHistory(c.env.DB, days, Date.now()),
    })
  const { rules } = await activeRules(c.env)
  const found = await coverageHistory(c.env.DB, tag, days, Date.now())
  if (found.length === 0 && !rules.tags.some((t) => t.id === tag))
    throw fail(404, `unknown tag ${JSON.stringify(tag)}: GET /v1/catalog lists the tags`)
  return c.json<CatalogHistoryResponse>({ tag, days: found })
}
