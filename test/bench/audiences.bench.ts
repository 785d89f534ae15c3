// Audience query latency over 100,000 indexed profiles in a local D1 database (Miniflare: the same
// workerd and SQLite as `wrangler dev` and the test pool), called from Node through Miniflare's
// D1 binding proxy, exactly as the route calls it (`queryAudience`). Each query is reported as
// p50/p99 and as a ratio to `SELECT count(*) FROM tag_index` through the same proxy, with its
// query plan. Bounded: 100k profiles, 40 runs per query.
import { readdirSync, readFileSync } from 'node:fs'
import { Miniflare } from 'miniflare'
import catalog from '../../examples/rules/catalog.json'
import { compileRules, IdentityGraph, type ProfileState } from '../../rules/index.ts'
import { queryAudience, type SqlDatabase } from '../../collector/audience/query.ts'
import { audienceStatements } from '../../collector/audience/statements.ts'
import { coverageStatement } from '../../collector/audience/coverage.ts'
import { parseWhere } from '../../collector/audience/where.ts'
import { generateEvents, mulberry32 } from '../support/events.ts'
import { fmt, table } from './harness.ts'

type Database = Awaited<ReturnType<Miniflare['getD1Database']>>

const PROFILES = 100_000
const RUNS = 40
const NOW = Date.parse('2026-05-01T00:00:00Z')

const rules = compileRules(catalog)
const tagIds = rules.tags.map((t) => t.id)
const kinds = new Map(rules.tags.map((t) => [t.id, t.kind]))

/**
 * Tag sets as the engine gives them to 300 generated visitors; the 100k profiles resample them,
 * with scores and other numbers jittered so that they do not repeat exactly.
 */
function engineTagSets(): Record<string, unknown>[] {
  const days = 110
  const events = generateEvents({
    seed: 5,
    visitors: 300,
    days,
    start: new Date(NOW - days * 86_400_000).toISOString(),
  })
  const graph = new IdentityGraph()
  events.forEach((event, n) => graph.addEvent(event, Date.parse(event.timestamp as string), n))
  const states = new Map<string, ProfileState>()
  for (const event of events) {
    const key = graph.profileKeyOf(event)
    let state = states.get(key)
    if (!state) states.set(key, (state = rules.createState({ maxMessageIds: Infinity })))
    state.ingest(event)
  }
  return [...states.values()].map((state) => state.evaluate(NOW, { nextChangeAt: false }).tags)
}

async function seed(db: Database): Promise<number> {
  for (const file of readdirSync('migrations').sort())
    for (const statement of readFileSync(`migrations/${file}`, 'utf8')
      .replace(/^--.*$/gm, '')
      .split(';')
      .map((s) => s.trim())
      .filter(Boolean))
      await db.prepare(statement).run()
  const sets = engineTagSets()
  const random = mulberry32(99)
  let rows: unknown[][] = []
  let total = 0
  const flush = async () => {
    // One JSON parameter per 5,000 rows (D1 binds at most 100 parameters).
    await db
      .prepare(
        `INSERT INTO tag_index (profile, tag, value, num, updated_at)
         SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'),
                json_extract(value, '$[3]'), json_extract(value, '$[4]') FROM json_each(?)`,
      )
      .bind(JSON.stringify(rows))
      .run()
    total += rows.length
    rows = []
  }
  const directory: string[] = []
  for (let i = 0; i < PROFILES; i++) {
    const id = `p${String(i).padStart(6, '0')}`
    directory.push(id)
    const tags = sets[Math.floor(random() * sets.length)]!
    for (const [tag, raw] of Object.entries(tags)) {
      // Scores stay at or above their threshold (0.5 in the catalog), other numbers in [0, 1].
      const low = kinds.get(tag) === 'score' ? 0.5 : 0
      const value =
        typeof raw === 'number'
          ? Math.round(Math.min(1, Math.max(low, raw + (random() - 0.5) * 0.1)) * 1e4) / 1e4
          : raw
      rows.push([id, tag, JSON.stringify(value), typeof value === 'number' ? value : null, NOW])
      if (rows.length === 5000) await flush()
    }
  }
  if (rows.length) await flush()
  for (let i = 0; i < directory.length; i += 5000)
    await db
      .prepare(
        `INSERT INTO profiles (id, first_seen, last_seen) SELECT value, ${NOW}, ${NOW} FROM json_each(?)`,
      )
      .bind(JSON.stringify(directory.slice(i, i + 5000)))
      .run()
  return total
}

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

const mf = new Miniflare({
  modules: true,
  script: 'export default { fetch() { return new Response(null) } }',
  d1Databases: { DB: 'bench' },
  d1Persist: false,
})
try {
  const db = await mf.getD1Database('DB')
  const started = performance.now()
  const rows = await seed(db)
  console.log(
    `${PROFILES.toLocaleString('en-US')} profiles, ${rows.toLocaleString('en-US')} tag_index rows, seeded in ${fmt((performance.now() - started) / 1000)} s\n`,
  )
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
} finally {
  await mf.dispose()
}
