// `GET /v1/catalog` at a million profiles: its coverage statement (one GROUP BY over every
// tag_index row, collector/audience/coverage.ts) and the directory count, in a local D1 database
// (Miniflare: workerd's SQLite, as `wrangler dev`), called through Miniflare's D1 binding proxy.
// D1 stops a query at 30 s: the figure to watch is the seconds and how far they are from 30.
// CATALOG_PROFILES (default 100,000, so that `npm run bench` stays in minutes; 1000000 for the
// README's figure, about 4 minutes to seed) profiles of ~12 tag rows each; 3 runs, median and
// spread. Nothing is persisted.
import { coverageStatement } from '../../collector/audience/coverage.ts'
import { fmt, table } from './harness.ts'
import { rules, withSeededD1 } from './tag-index-seed.ts'

const PROFILES = Number(process.env.CATALOG_PROFILES ?? 100_000)
const RUNS = 3
/** D1's limit on one query's duration, in seconds. */
const D1_QUERY_LIMIT_S = 30

async function timed(fn: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = []
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now()
    await fn()
    times.push((performance.now() - start) / 1000)
  }
  return times.sort((a, b) => a - b)
}

await withSeededD1(PROFILES, async (db) => {
  const coverage = coverageStatement(rules.tags.filter((t) => t.kind === 'score').map((t) => t.id))
  const measured: [string, number[]][] = [
    [
      'SELECT count(*) FROM tag_index',
      await timed(() => db.prepare('SELECT count(*) AS n FROM tag_index').first()),
    ],
    [
      'directory count (profiles)',
      await timed(() => db.prepare('SELECT count(*) AS n FROM profiles').first()),
    ],
    [
      'catalog coverage (all tags)',
      await timed(() =>
        db
          .prepare(coverage.sql)
          .bind(...coverage.params)
          .all(),
      ),
    ],
  ]
  const out = [
    [
      'statement',
      'median s',
      'min–max s',
      's per 100k profiles',
      `share of D1's ${D1_QUERY_LIMIT_S} s`,
    ],
  ]
  for (const [name, times] of measured) {
    const median = times[Math.floor(times.length / 2)]!
    out.push([
      name,
      fmt(median),
      `${fmt(times[0]!)}–${fmt(times.at(-1)!)}`,
      fmt((median * 100_000) / PROFILES),
      `${fmt((100 * median) / D1_QUERY_LIMIT_S)} %`,
    ])
  }
  console.log(table(out))
})
