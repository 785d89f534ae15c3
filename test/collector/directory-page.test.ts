import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { visitDirectoryPage } from '../../collector/profile/directory-page.ts'
import { uniqueId } from './helpers.ts'
import { interceptD1 } from './intercepted-d1.ts'

/** `real` with the rows each statement read added up in `rows.read`. */
function countingReads(real: D1Database) {
  const rows = { read: 0 }
  const db = interceptD1(real, async ({ method, statement }, proceed) => {
    if (method === 'raw') return proceed()
    // `first` answers a row, not a result: asked again as `all` for its figures.
    const result = await statement.all()
    rows.read += result.meta.rows_read
    return proceed()
  })
  return { db, rows }
}

describe('a page of a job over the profile directory (backfill, preview)', () => {
  it('reads the page, not the rest of the directory', async () => {
    // Before: each page counted the profiles after it, reading the rest of the directory:
    // N²/(2 × page) rows over a run, 100 million for 100,000 profiles at pages of 50.
    const prefix = uniqueId('dir')
    const ids = Array.from({ length: 500 }, (_, i) => `${prefix}-${String(i).padStart(3, '0')}`)
    await env.DB.batch(
      ids.map((id) =>
        env.DB.prepare('INSERT INTO profiles (id, first_seen, last_seen) VALUES (?, 1, 1)').bind(
          id,
        ),
      ),
    )
    const { db, rows } = countingReads(env.DB)
    const page = await visitDirectoryPage({ ...env, DB: db }, `${prefix}-`, 10, async () => 'seen')
    expect(page.ids).toEqual(ids.slice(0, 10))
    expect(page.outcomes).toEqual(ids.slice(0, 10).map(() => 'seen'))
    expect(page.more).toBe(true)
    expect(rows.read).toBeLessThanOrEqual(2 * (10 + 1))
    // The last page knows it is the last.
    const last = await visitDirectoryPage({ ...env, DB: db }, ids.at(-3)!, 10, async () => 'seen')
    expect(last.ids).toEqual(ids.slice(-2))
    expect(last.more).toBe(false)
  })
})
