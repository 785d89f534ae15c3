// Audience query latency over 100,000 indexed profiles in a local D1 database (Miniflare: the same
// workerd and SQLite as `wrangler dev` and the test pool), called from Node through Miniflare's
// D1 binding proxy, exactly as the route calls it (`queryAudience`). Each query is reported as
// p50/p99 and as a ratio to `SELECT count(*) FROM tag_index` through the same proxy, with its
// query plan. Bounded: 100k profiles, 40 runs per query.
import { queryAudience, type SqlDatabase } from '../../collector/audience/query.ts'
import { audienceStatements } from '../../collector/audience/statements.ts'
import { coverageStatement } from '../../collector/audience/coverage.ts'
import { parseWhere } from '../../collector/audience/where.ts'
import { fmt, table } from './harness.ts'
import { rules, tagIds, withSeededD1 } from './tag-index-seed.ts'

const PROFILES = 100_000
const RUNS = 40

async function timed(fn: () => Promise<unknown>): Promise<number[]> {
  await fn()
  const times: number[] = []
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now()
    await fn()
    times.push(performance.now() - start)
  }
  return times.sort((a, b) => a - b)
}
const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!

const QUERIES: [string, unknown][] = [
  ['flag', { var: 'tags.coupon_hunter' }],
  [
    'flag AND tier in list',
    {
      and: [
        { var: 'tags.business_upgrade_audience' },
        { in: [{ var: 'tags.spend_tier_30d' }, ['high', 'mid']] },
      ],
    },
  ],
  ['score >= 0.9', { '>=': [{ var: 'tags.business_traveler' }, 0.9] }],
  ['label ==', { '==': [{ var: 'tags.lifecycle_stage' }, 'growing'] }],
  ['NOT flag (all profiles)', { '!': { var: 'tags.window_shopper' } }],
  [
    'label OR score between',
    {
      or: [
        { '==': [{ var: 'tags.value_segment' }, 'champion'] },
        { '<=': [0.6, { var: 'tags.business_traveler' }, 0.7] },
      ],
    },
  ],
]

await withSeededD1(PROFILES, async (db, rows) => {
  const baseline = await timed(() => db.prepare('SELECT count(*) AS n FROM tag_index').first())
  const base50 = quantile(baseline, 0.5)
  const out = [
    ['query', 'matches', 'p50 ms', 'p99 ms', 'p50 / count(*)'],
    [
      'SELECT count(*) FROM tag_index',
      String(rows),
      fmt(base50),
      fmt(quantile(baseline, 0.99)),
      '1×',
    ],
  ]
  const plans: string[] = []
  for (const [name, where] of QUERIES) {
    let count = 0
    const times = await timed(async () => {
      count = (await queryAudience(db as unknown as SqlDatabase, tagIds, where, { limit: 50 }))
        .count
    })
    out.push([
      name,
      String(count),
      fmt(quantile(times, 0.5)),
      fmt(quantile(times, 0.99)),
      `${fmt(quantile(times, 0.5) / base50)}×`,
    ])
    const condition = parseWhere(where, tagIds)
    const statements = audienceStatements(condition, new Map(), { limit: 50 })!
    const statement = statements.counted ? statements.page : statements.count
    const plan = await db
      .prepare(`EXPLAIN QUERY PLAN ${statement.sql}`)
      .bind(...statement.params)
      .all<{ id: number; parent: number; detail: string }>()
    plans.push(`${name}:\n${plan.results.map((r) => `  ${r.detail}`).join('\n')}`)
  }
  const coverage = coverageStatement(rules.tags.filter((t) => t.kind === 'score').map((t) => t.id))
  const catalogTimes = await timed(() =>
    db
      .prepare(coverage.sql)
      .bind(...coverage.params)
      .all(),
  )
  out.push([
    'GET /v1/catalog coverage (all tags)',
    '',
    fmt(quantile(catalogTimes, 0.5)),
    fmt(quantile(catalogTimes, 0.99)),
    `${fmt(quantile(catalogTimes, 0.5) / base50)}×`,
  ])
  console.log(table(out))
  console.log(
    `\nQuery plans (the statement that tests the candidates: the count, or the page that also counts):\n`,
  )
  console.log(plans.join('\n'))
})
