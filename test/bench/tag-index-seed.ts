// A local D1 tag index seeded as the engine fills it: the catalog's tag sets of generated
// visitors, resampled over any number of profiles (scores and other numbers jittered), plus the
// directory. Shared by the audiences and catalog benchmarks.
import { readdirSync, readFileSync } from 'node:fs'
import { Miniflare } from 'miniflare'
import catalog from '../../examples/rules/catalog.json'
import { compileRules } from '../../rules/index.ts'
import { profileStates } from '../support/profile-states.ts'
import { generateEvents, mulberry32 } from '../support/events.ts'
import { fmt } from './harness.ts'

export type Database = Awaited<ReturnType<Miniflare['getD1Database']>>

export const NOW = Date.parse('2026-05-01T00:00:00Z')

export const rules = compileRules(catalog)
export const tagIds = rules.tags.map((t) => t.id)
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
  const states = profileStates(rules, events)
  return [...states.values()].map((state) => state.evaluate(NOW, { nextChangeAt: false }).tags)
}

/** Applies the migrations and seeds `profiles` profiles; answers the tag_index rows written. */
export async function seed(db: Database, profiles: number): Promise<number> {
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
  for (let i = 0; i < profiles; i++) {
    const id = `p${String(i).padStart(7, '0')}`
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

/**
 * Runs `use` on a local D1 (Miniflare, nothing persisted) seeded with `profiles` profiles
 * (`seed`), with the number of tag_index rows, after logging what the seeding took.
 */
export async function withSeededD1(
  profiles: number,
  use: (db: Database, rows: number) => Promise<void>,
): Promise<void> {
  const mf = new Miniflare({
    modules: true,
    script: 'export default { fetch() { return new Response(null) } }',
    d1Databases: { DB: 'bench' },
    d1Persist: false,
  })
  try {
    const db = await mf.getD1Database('DB')
    const started = performance.now()
    const rows = await seed(db, profiles)
    console.log(
      `${profiles.toLocaleString('en-US')} profiles, ${rows.toLocaleString('en-US')} tag_index rows, seeded in ${fmt((performance.now() - started) / 1000)} s\n`,
    )
    await use(db, rows)
  } finally {
    await mf.dispose()
  }
}
