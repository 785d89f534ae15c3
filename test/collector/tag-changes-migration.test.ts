import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import {
  changeStatements,
  forgetStatements,
  recentChanges,
  removeStatements,
} from '../../collector/export/tag-index.ts'
import type { ExportedChange } from '../../collector/index.ts'

// migrations/0007_tag_changes_one_index.sql rebuilds the change log with one index, and 0009
// without AUTOINCREMENT: the rows and their seq (the change feed's cursor) must survive, and the
// sequence must go on after the last seq ever given, even when the latest changes were erased
// before the migration, or after it.

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
      profile: string
    }>()
  ).results

const migration = (prefix: string) =>
  env.TEST_MIGRATIONS.find((m) => m.name.startsWith(prefix))!.queries.map((query) =>
    env.DB.prepare(query),
  )

const seqs = async () => (await rows()).map((row) => [row.seq, row.id])

describe('migration 0007: the change log with one index', () => {
  it('keeps every row and its seq, and numbers new changes after the last seq ever given', async () => {
    expect(BEFORE).toHaveLength(3) // the drop, 0001's table and its index
    await env.DB.batch(BEFORE.map((query) => env.DB.prepare(query)))
    for (let n = 1; n <= 5; n++) await env.DB.batch(changeStatements(env.DB, change(n)).slice(1))
    // The latest two were erased: the sequence stands at 5, the rows end at 3.
    await env.DB.prepare(`DELETE FROM tag_changes WHERE seq > 3`).run()
    const kept = await rows()
    await env.DB.batch(migration('0007_'))
    expect(await rows()).toEqual(kept)
    const indexes = await env.DB.prepare(
      `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tag_changes'`,
    ).all<{ name: string }>()
    expect(indexes.results.map((row) => row.name)).toEqual(['tag_changes_by_change'])
    // A new change, and a redelivery of it, logged once after seq 5.
    await env.DB.batch(changeStatements(env.DB, change(6)))
    await env.DB.batch(changeStatements(env.DB, change(6)))
    expect(await seqs()).toEqual([...kept.map((row) => [row.seq, row.id]), [6, 'c6']])
  })
})

describe('migration 0009: the change log without AUTOINCREMENT', () => {
  it('keeps every row and its seq, and the sequence past erased latest changes', async () => {
    // The log as 0007 left it.
    await env.DB.batch([...BEFORE.map((query) => env.DB.prepare(query)), ...migration('0007_')])
    for (let n = 1; n <= 5; n++) await env.DB.batch(changeStatements(env.DB, change(n)).slice(1))
    await env.DB.prepare(`DELETE FROM tag_changes WHERE seq > 3`).run()
    const kept = await seqs()
    await env.DB.batch(migration('0009_'))
    const table = await env.DB.prepare(
      `SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'tag_changes'`,
    ).first<{ sql: string }>()
    expect(table!.sql).not.toMatch(/AUTOINCREMENT/i)
    // The sequence's place is held by a placeholder, which the feed does not show.
    expect(await seqs()).toEqual([...kept, [5, '5']])
    expect((await recentChanges(env.DB, undefined, 100)).changes.map((c) => c.seq)).toEqual([
      1, 2, 3,
    ])
    await env.DB.batch(changeStatements(env.DB, change(6)))
    await env.DB.batch(changeStatements(env.DB, change(6)))
    expect((await recentChanges(env.DB, 3, 100)).changes.map((c) => c.seq)).toEqual([6])
  })
})

describe('the change feed never gives a seq twice', () => {
  const feed = async (after?: number) =>
    (await recentChanges(env.DB, after, 100)).changes.map((c) => [c.seq, c.profile])

  it('after the profile holding the latest change is erased, or forgotten up to a time', async () => {
    await env.DB.prepare(`DELETE FROM tag_changes`).run()
    for (let n = 1; n <= 3; n++) await env.DB.batch(changeStatements(env.DB, change(n)))
    const last = (await recentChanges(env.DB, undefined, 1)).changes[0]!.seq
    // Change 3 (profile p) is the latest: erasing p keeps its place and nothing of p.
    await env.DB.batch(removeStatements(env.DB, ['p']))
    expect(await feed()).toEqual([[last - 1, 'q']])
    expect((await rows()).filter((row) => row.profile === 'p')).toEqual([])
    await env.DB.batch(changeStatements(env.DB, change(4)))
    expect(await feed(last - 1)).toEqual([[last + 1, 'q']])
    // The same when a deletion notice forgets q's changes up to a time.
    await env.DB.batch(forgetStatements(env.DB, 'q', 4))
    expect(await feed()).toEqual([])
    await env.DB.batch(changeStatements(env.DB, change(5)))
    expect(await feed()).toEqual([[last + 2, 'p']])
    // Forgetting a profile that does not hold the latest change writes no placeholder.
    await env.DB.batch(changeStatements(env.DB, change(6)))
    await env.DB.batch(removeStatements(env.DB, ['p']))
    expect(await feed()).toEqual([[last + 3, 'q']])
    expect((await rows()).filter((row) => row.profile === '')).toHaveLength(2)
  })
})
