import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { changeStatements } from '../../collector/export/tag-index.ts'
import type { ExportedChange } from '../../collector/index.ts'

// migrations/0007_tag_changes_one_index.sql rebuilds the change log with one index: the rows and
// their seq (the change feed's cursor) must survive, and the sequence must go on after the last
// seq ever given, even when the latest changes were erased before the migration.

/**
 * The log as migrations 0001 to 0006 left it: the statements of 0001 that create it (no later
 * migration before 0007 touched it), after the migrated table is dropped.
 */
const BEFORE = [
  `DROP TABLE tag_changes`,
  ...env.TEST_MIGRATIONS.find((m) => m.name.startsWith('0001_'))!.queries.filter((query) =>
    /\bON tag_changes\b|\bTABLE tag_changes\b/.test(query),
  ),
]

const change = (n: number): ExportedChange => ({
  id: `c${n}`,
  profile: n % 2 ? 'p' : 'q',
  tag: 't',
  from: null,
  to: n,
  at: n,
  rulesVersion: '1',
})

const rows = async () =>
  (
    await env.DB.prepare(
      `SELECT seq, id, profile, to_value, at FROM tag_changes ORDER BY seq`,
    ).all<{
      seq: number
      id: string
    }>()
  ).results

describe('migration 0007: the change log with one index', () => {
  it('keeps every row and its seq, and numbers new changes after the last seq ever given', async () => {
    expect(BEFORE).toHaveLength(3) // the drop, 0001's table and its index
    await env.DB.batch(BEFORE.map((query) => env.DB.prepare(query)))
    for (let n = 1; n <= 5; n++) await env.DB.batch(changeStatements(env.DB, change(n)).slice(1))
    // The latest two were erased: the sequence stands at 5, the rows end at 3.
    await env.DB.prepare(`DELETE FROM tag_changes WHERE seq > 3`).run()
    const kept = await rows()
    const migration = env.TEST_MIGRATIONS.find((m) => m.name.startsWith('0007_'))!
    await env.DB.batch(migration.queries.map((query) => env.DB.prepare(query)))
    expect(await rows()).toEqual(kept)
    const indexes = await env.DB.prepare(
      `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tag_changes'`,
    ).all<{ name: string }>()
    expect(indexes.results.map((row) => row.name)).toEqual(['tag_changes_by_change'])
    // A new change, and a redelivery of it, logged once after seq 5.
    await env.DB.batch(changeStatements(env.DB, change(6)))
    await env.DB.batch(changeStatements(env.DB, change(6)))
    const after = await rows()
    expect(after.map((row) => [row.seq, row.id])).toEqual([
      ...kept.map((row) => [row.seq, row.id]),
      [6, 'c6'],
    ])
  })
})
