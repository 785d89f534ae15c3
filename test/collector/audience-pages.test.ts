// Audience pages at the sizes an operator meets: the largest `limit` over profiles holding many
// long tags, a cursor followed to the end while profiles change, and pages cut by size
// (`MAX_PAGE_CHARS`) compared with unbounded pages on generated indexes.
import { env } from 'cloudflare:test'
import fc from 'fast-check'
import { beforeEach, describe, expect, it } from 'vitest'
import catalog from '../../examples/rules/catalog.json'
import { queryAudience, type SqlDatabase } from '../../collector/audience/query.ts'
import { MAX_PAGE_CHARS } from '../../collector/audience/statements.ts'
import { admin } from './helpers.ts'
import { clearIndex, seedIndex } from './tag-index.ts'

interface Answer {
  count: number
  profiles: { id: string; tags: Record<string, unknown> }[]
  cursor: string | null
  error?: string
}

const query = async (body: unknown): Promise<{ answer: Answer; bytes: number }> => {
  const response = await admin('/v1/audiences/query', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  const text = await response.text()
  const answer = JSON.parse(text) as Answer
  expect(response.status, answer.error).toBe(200)
  return { answer, bytes: text.length }
}

const tagIds = Object.keys(catalog.tags)
const HOLDS_CART = { '!!': { var: 'tags.cart_open' } }

/**
 * `profiles` profiles (`w00000`, …) each holding `cart_open` and `tags - 1` more tags of
 * `valueChars`-character values: written by one statement, as many rows as wanted.
 */
async function seedWide(profiles: number, tags: number, valueChars: number): Promise<void> {
  await env.DB.prepare(
    `WITH RECURSIVE p(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM p WHERE n < ?1 - 1),
       t(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM t WHERE k < ?2 - 1)
     INSERT INTO tag_index (profile, tag, value, num, updated_at)
     SELECT printf('w%05d', n), CASE k WHEN 0 THEN 'cart_open' ELSE printf('extra_%04d', k) END,
       CASE k WHEN 0 THEN 'true' ELSE '"' || substr(k || hex(zeroblob(?3)), 1, ?3) || '"' END, NULL, 1
     FROM p, t`,
  )
    .bind(profiles, tags, valueChars)
    .run()
}

describe('an audience page of the largest limit over wide profiles', () => {
  beforeEach(clearIndex)

  it('stays within MAX_PAGE_CHARS and its cursor reaches every profile once', async () => {
    // 150 profiles × 1,000 tags of 100 characters: ~16 MB of tags, which one page of
    // `limit: 1000` answered whole (1,001 such profiles: 114 MB, measured).
    await seedWide(150, 1000, 100)
    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const { answer, bytes } = await query({ where: HOLDS_CART, limit: 1000, cursor })
      // A page is its tags plus per-profile punctuation: within a few percent of the bound.
      expect(bytes).toBeLessThan(MAX_PAGE_CHARS * 1.05)
      expect(answer.count).toBe(150)
      for (const profile of answer.profiles) expect(Object.keys(profile.tags)).toHaveLength(1000)
      seen.push(...answer.profiles.map((profile) => profile.id))
      cursor = answer.cursor
      pages++
    } while (cursor !== null)
    expect(pages).toBeGreaterThan(1)
    expect(seen).toEqual(Array.from({ length: 150 }, (_, n) => `w${String(n).padStart(5, '0')}`))
  })

  it('ends a page of the largest profiles after the one that passes the bound', async () => {
    // A profile at every bound: 1,000 tags of 1,000 characters, ~1 MB each.
    await seedWide(6, 1000, 1000)
    const first = await query({ where: HOLDS_CART, limit: 1000 })
    const sizes = first.answer.profiles.map(({ tags }) => JSON.stringify(tags).length)
    expect(Math.min(...sizes)).toBeGreaterThan(1_000_000)
    // Profiles start before the bound: four of ~1 MB, the page one profile over it at most.
    expect(first.answer.profiles).toHaveLength(4)
    expect(first.bytes).toBeLessThan(MAX_PAGE_CHARS + 1_100_000)
    const second = await query({ where: HOLDS_CART, limit: 1000, cursor: first.answer.cursor })
    expect(second.answer.profiles.map((profile) => profile.id)).toEqual(['w00004', 'w00005'])
    expect(second.answer.cursor).toBeNull()
  })
})

describe('following an audience cursor while profiles change', () => {
  beforeEach(clearIndex)

  it('gives every profile that matches throughout once, none twice', async () => {
    const ids = Array.from({ length: 3000 }, (_, n) => `c${String(n).padStart(5, '0')}`)
    await seedIndex(ids.map((id) => ({ id, tags: { cart_open: true, window_shopper: true } })))
    const seen: string[] = []
    const gone = new Set<string>()
    let cursor: string | null = null
    let round = 0
    do {
      const { answer } = await query({ where: HOLDS_CART, limit: 1000, cursor })
      seen.push(...answer.profiles.map((profile) => profile.id))
      cursor = answer.cursor
      // Between pages: some profiles lose the tag, new ones gain it, on both sides of the cursor.
      round++
      const leaving = ids.filter((_, n) => n % 97 === round)
      for (const id of leaving) gone.add(id)
      await env.DB.prepare(
        `DELETE FROM tag_index WHERE tag = 'cart_open' AND profile IN (SELECT value FROM json_each(?))`,
      )
        .bind(JSON.stringify(leaving))
        .run()
      await seedIndex([
        { id: `a${round}`, tags: { cart_open: true } },
        { id: `z${round}`, tags: { cart_open: true } },
      ])
    } while (cursor !== null)
    expect(new Set(seen).size).toBe(seen.length)
    const throughout = ids.filter((id) => !gone.has(id))
    expect(seen.filter((id) => id.startsWith('c'))).toEqual(expect.arrayContaining(throughout))
  })
})

describe('pages cut by size', () => {
  beforeEach(clearIndex)

  // Profiles of random tag sets; a budget small enough that pages end on it.
  const profileSets = fc.uniqueArray(
    fc.record({
      id: fc.stringMatching(/^[a-z]{1,6}$/),
      tags: fc.record(
        {
          cart_open: fc.constant(true),
          browsing_category: fc.string({ maxLength: 40 }),
          lifecycle_stage: fc.constantFrom('new', 'active', 'lapsed'),
          engagement_score: fc.integer({ min: 0, max: 100 }),
        },
        { requiredKeys: [] },
      ),
    }),
    { selector: (profile) => profile.id, maxLength: 30 },
  )

  it('concatenate to the unbounded pages, each within its budget unless one profile is larger', async () => {
    const db = env.DB as unknown as SqlDatabase
    await fc.assert(
      fc.asyncProperty(
        profileSets,
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 400 }),
        fc.constantFrom<unknown>(HOLDS_CART, { '!': { var: 'tags.window_shopper' } }),
        async (profiles, limit, maxChars, where) => {
          await clearIndex()
          await seedIndex(profiles)
          const whole = await queryAudience(db, tagIds, where, { limit: 1000 })
          const pages: typeof whole.profiles = []
          let after: string | undefined
          for (;;) {
            const page = await queryAudience(db, tagIds, where, { after, limit, maxChars })
            expect(page.count).toBe(whole.count)
            expect(page.profiles.length).toBeGreaterThan(page.next === null ? -1 : 0)
            expect(page.profiles.length).toBeLessThanOrEqual(limit)
            const sizes = page.profiles.map(({ tags }) =>
              Object.entries(tags).reduce(
                (sum, [tag, value]) => sum + tag.length + JSON.stringify(value).length + 4,
                0,
              ),
            )
            // Every profile but the last starts before the budget is spent.
            const before = sizes.slice(0, -1).reduce((sum, size) => sum + size, 0)
            expect(before).toBeLessThan(maxChars)
            pages.push(...page.profiles)
            if (page.next === null) break
            after = page.next
          }
          expect(pages).toEqual(whole.profiles)
        },
      ),
      { numRuns: 40 },
    )
  })
})
