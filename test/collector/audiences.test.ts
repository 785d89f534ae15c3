import { env, SELF } from 'cloudflare:test'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import catalog from '../../examples/rules/catalog.json'
import { compileLogic, LogicError, truthy } from '../../rules/index.ts'
import { encodeCursor } from '../../collector/audience/cursor.ts'
import { audienceStatements } from '../../collector/audience/statements.ts'
import { parseWhere } from '../../collector/audience/where.ts'
import { admin, BASE, basic, bearer, WRITE_KEY } from './helpers.ts'
import { clearIndex, engineProfiles, seedIndex, type IndexedProfile } from './tag-index.ts'

interface Answer {
  count: number
  profiles: { id: string; tags: Record<string, unknown> }[]
  cursor: string | null
  error?: string
}

const query = (body: unknown, headers: Record<string, string> = {}) =>
  admin('/v1/audiences/query', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })

async function answer(body: unknown): Promise<Answer> {
  const response = await query(body)
  const json = (await response.json()) as Answer
  expect(response.status, json.error).toBe(200)
  return json
}

/** Every match, following cursors. */
async function allPages(
  where: unknown,
  limit: number,
): Promise<{ ids: string[]; counts: number[] }> {
  const ids: string[] = []
  const counts: number[] = []
  let cursor: string | null = null
  do {
    const page: Answer = await answer({ where, limit, cursor })
    expect(page.profiles.length).toBeLessThanOrEqual(limit)
    ids.push(...page.profiles.map((p) => p.id))
    counts.push(page.count)
    cursor = page.cursor
  } while (cursor !== null)
  return { ids, counts }
}

// SQLite orders text by its UTF-8 bytes.
const utf8 = new TextEncoder()
function byBytes(a: string, b: string): number {
  const [x, y] = [utf8.encode(a), utf8.encode(b)]
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!
  return x.length - y.length
}

/** What the index holds of a profile: present tags only, through JSON. */
const stored = (tags: Record<string, unknown>) =>
  JSON.parse(
    JSON.stringify(
      Object.fromEntries(Object.entries(tags).filter(([, v]) => v !== null && v !== false)),
    ),
  ) as Record<string, unknown>

/** The engine's answer: JsonLogic over `{ tags }` for every profile; a throw means no match. */
function bruteForce(profiles: readonly IndexedProfile[], where: unknown): string[] {
  const fn = compileLogic(where)
  return profiles
    .filter((p) => {
      try {
        return truthy(fn({ tags: stored(p.tags) }))
      } catch (error) {
        if (error instanceof LogicError) return false
        throw error
      }
    })
    .map((p) => p.id)
    .sort(byBytes)
}

const TAG_IDS = Object.keys(catalog.tags)
const NOW = Date.parse('2026-05-01T00:00:00Z')

// Odd values the engine never gives these tags but the index may hold for some tag kind (numeric
// strings, empty strings, zero, arrays, objects, unicode): the SQL must agree with the engine on all.
const ODD_VALUES: unknown[] = [
  0,
  -1.5,
  0.7,
  1,
  42,
  '',
  '0',
  '0.7',
  '5',
  '1e3',
  ' 5',
  'high',
  'mid',
  'ü',
  '😀',
  "it's",
  '%',
  '_',
  [],
  [1],
  {},
  { a: 1 },
  true,
]
function syntheticProfiles(count: number): IndexedProfile[] {
  const random = fc.sample(
    fc.array(fc.tuple(fc.constantFrom(...TAG_IDS), fc.constantFrom(...ODD_VALUES)), {
      maxLength: 6,
    }),
    { numRuns: count, seed: 42 },
  )
  return random.map((pairs, i) => ({
    id: `s${String(i).padStart(3, '0')}`,
    tags: Object.fromEntries(pairs),
  }))
}

const LITERALS: (string | number | boolean | null)[] = [
  0,
  1,
  0.5,
  0.7,
  -1,
  42,
  '',
  '0',
  '0.7',
  '5',
  'high',
  'mid',
  'low',
  'champion',
  'mature',
  'flights',
  'ü',
  null,
  true,
  false,
]
const OPS = ['==', '!=', '===', '!==', '<', '<=', '>', '>='] as const

const tagVar = fc.constantFrom(...TAG_IDS).map((id) => ({ var: `tags.${id}` }))
const literal = fc.constantFrom(...LITERALS)
const leaf = fc.oneof(
  tagVar,
  fc
    .tuple(fc.constantFrom(...OPS), tagVar, literal, fc.boolean())
    .map(([op, v, k, flip]) => ({ [op]: flip ? [k, v] : [v, k] })),
  fc
    .tuple(fc.constantFrom('<', '<='), literal, tagVar, literal)
    .map(([op, a, v, b]) => ({ [op]: [a, v, b] })),
  fc.tuple(tagVar, fc.array(literal, { maxLength: 4 })).map(([v, list]) => ({ in: [v, list] })),
)
const where = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.array(tie('node'), { minLength: 1, maxLength: 3 }).map((args) => ({ and: args })),
    fc.array(tie('node'), { minLength: 1, maxLength: 3 }).map((args) => ({ or: args })),
    tie('node').map((arg) => ({ '!': arg })),
    tie('node').map((arg) => ({ '!!': [arg] })),
  ),
})).node

describe('POST /v1/audiences/query', () => {
  let universe: IndexedProfile[]

  beforeAll(async () => {
    await clearIndex()
    const engine = engineProfiles(150, 5, NOW)
    const synthetic = syntheticProfiles(120)
    // Known to the directory only (no tags), and indexed but not (yet) in the directory.
    const bare = [
      { id: 'bare-1', tags: {} },
      { id: 'bare-2', tags: {} },
    ]
    const unlisted = [{ id: 'unlisted', tags: { lifecycle_stage: 'new', coupon_hunter: true } }]
    await seedIndex([...engine, ...synthetic, ...bare])
    await seedIndex(unlisted, { directory: false })
    universe = [...engine, ...synthetic, ...bare, ...unlisted]
    expect(engine.length).toBeGreaterThan(100)
  })

  it('finds exactly the profiles the engine JsonLogic selects, for generated where expressions', async () => {
    await fc.assert(
      fc.asyncProperty(where, async (w) => {
        const expected = bruteForce(universe, w)
        const got = await answer({ where: w, limit: 1000 })
        expect(
          got.profiles.map((p) => p.id),
          JSON.stringify(w),
        ).toEqual(expected)
        expect(got.count).toBe(expected.length)
      }),
      { numRuns: 150, seed: 7 },
    )
  })

  it('gives the same answers when the index also fills num for numeric strings', async () => {
    // The contract leaves open whether "numeric" includes strings like "0.7": both must work.
    const numericStrings = await env.DB.prepare(
      `UPDATE tag_index SET num = CAST(json_extract(value, '$') AS REAL)
       WHERE value IN ('"0"', '"0.7"', '"5"', '"1e3"')`,
    ).run()
    expect(numericStrings.meta.changes).toBeGreaterThan(0)
    try {
      await fc.assert(
        fc.asyncProperty(where, async (w) => {
          const got = await answer({ where: w, limit: 1000 })
          expect(
            got.profiles.map((p) => p.id),
            JSON.stringify(w),
          ).toEqual(bruteForce(universe, w))
        }),
        { numRuns: 60, seed: 8 },
      )
    } finally {
      await env.DB.prepare(`UPDATE tag_index SET num = NULL WHERE value LIKE '"%'`).run()
    }
  })

  it('agrees with the engine on long and/or lists (nested per 50 arguments in SQL)', async () => {
    // For `and`, leaves true for nearly every profile, so that 60 of them still match some.
    const broad = fc
      .sample(
        leaf.map((l) => ({ '!': l })),
        { numRuns: 600, seed: 1 },
      )
      .filter((arg) => bruteForce(universe, arg).length >= universe.length * 0.97)
      .slice(0, 60)
    const narrow = fc.sample(leaf, { numRuns: 60, seed: 2 })
    for (const w of [{ and: broad }, { or: narrow }]) {
      expect(Object.values(w)[0]).toHaveLength(60)
      const expected = bruteForce(universe, w)
      expect(expected.length).toBeGreaterThan(0)
      const got = await answer({ where: w, limit: 1000 })
      expect(got.profiles.map((p) => p.id)).toEqual(expected)
    }
  })

  it('answers the contract examples like the engine', async () => {
    const examples = [
      {
        and: [
          { var: 'tags.business_traveler' },
          { in: [{ var: 'tags.spend_tier_30d' }, ['high', 'mid']] },
        ],
      },
      { '>=': [{ var: 'tags.business_traveler' }, 0.7] },
      { '!': { var: 'tags.window_shopper' } },
      { '<=': [0.2, { var: 'tags.business_class_share' }, 0.8] },
      { '==': [{ var: 'tags.value_segment' }, 'champion'] },
      { '>': [{ var: 'tags.lifecycle_stage' }, 1] },
    ]
    for (const w of examples) {
      const expected = bruteForce(universe, w)
      expect(expected.length, JSON.stringify(w)).toBeGreaterThan(0)
      const { ids, counts } = await allPages(w, 1000)
      expect(ids, JSON.stringify(w)).toEqual(expected)
      expect(counts).toEqual([expected.length])
    }
  })

  it('pages through every match once, in profile order, each page with the full count', async () => {
    const w = { '!': { var: 'tags.coupon_hunter' } }
    const expected = bruteForce(universe, w)
    expect(expected).toContain('bare-1')
    const { ids, counts } = await allPages(w, 7)
    expect(ids).toEqual(expected)
    expect(counts.length).toBe(Math.ceil(expected.length / 7))
    expect(new Set(counts)).toEqual(new Set([expected.length]))
    // After the last profile (profiles removed meanwhile, say): an empty page, still the count.
    for (const w2 of [w, { var: 'tags.coupon_hunter' }]) {
      const beyond = await answer({ where: w2, cursor: encodeCursor('\u{10FFFF}') })
      expect(beyond).toEqual({ count: bruteForce(universe, w2).length, profiles: [], cursor: null })
    }
  })

  it('returns each profile with every tag the index holds for it', async () => {
    const got = await answer({
      where: { '==': [{ var: 'tags.lifecycle_stage' }, 'new'] },
      limit: 1000,
    })
    const byId = new Map(universe.map((p) => [p.id, stored(p.tags)]))
    expect(got.profiles.map((p) => p.id)).toContain('unlisted')
    for (const profile of got.profiles) expect(profile.tags).toEqual(byId.get(profile.id))
    const none = await answer({ where: { '!': { var: 'tags.lifecycle_stage' } }, limit: 1000 })
    expect(none.profiles.find((p) => p.id === 'bare-2')?.tags).toEqual({})
  })

  it('defaults to 50 profiles a page', async () => {
    const got = await answer({ where: { '!': { var: 'tags.big_spender' } } })
    expect(got.count).toBeGreaterThan(50)
    expect(got.profiles).toHaveLength(50)
    expect(got.cursor).toEqual(expect.any(String))
  })
})

describe('audience queries and hostile input', () => {
  const HOSTILE = [
    "'; DROP TABLE tag_index; --",
    '%',
    '_',
    '%_%',
    "it's",
    '"quoted"',
    '\\',
    'ü',
    '😀',
    '\u0000nul',
    'x'.repeat(20_000),
    '__proto__',
  ]

  beforeAll(async () => {
    await clearIndex()
    await seedIndex([
      ...HOSTILE.map((value, i) => ({ id: `h${i}`, tags: { lifecycle_stage: value } })),
      { id: 'plain', tags: { lifecycle_stage: 'new' } },
      { id: '__proto__', tags: { value_segment: 'loyal' } },
    ])
  })

  it('pages through unicode profile ids in byte order, each once', async () => {
    const ids = ['é', 'z', '😀', '\uffff', 'a b', "o'brien"]
    await seedIndex(ids.map((id) => ({ id, tags: { cart_open: true } })))
    const { ids: paged } = await allPages({ var: 'tags.cart_open' }, 1)
    expect(paged).toEqual([...ids].sort(byBytes))
  })

  const rows = async () =>
    (await env.DB.prepare('SELECT count(*) AS n FROM tag_index').first<{ n: number }>())!.n

  it('treats hostile values as plain values: each matches exactly its own profile', async () => {
    const before = await rows()
    for (const [i, value] of HOSTILE.entries()) {
      const got = await answer({ where: { '==': [{ var: 'tags.lifecycle_stage' }, value] } })
      expect(
        got.profiles.map((p) => p.id),
        value.slice(0, 30),
      ).toEqual([`h${i}`])
      expect(got.profiles[0]!.tags.lifecycle_stage).toBe(value)
    }
    const listed = await answer({ where: { in: [{ var: 'tags.lifecycle_stage' }, ['%', '_']] } })
    expect(listed.profiles.map((p) => p.id).sort()).toEqual(['h1', 'h2'])
    expect(await rows()).toBe(before)
  })

  it('rejects hostile tag names as unknown tags and leaves the index intact', async () => {
    const before = await rows()
    for (const name of [
      "x'; DROP TABLE tag_index; --",
      '%',
      '_',
      '__proto__',
      'constructor',
      'ü',
      'y'.repeat(5000),
    ]) {
      const response = await query({ where: { var: `tags.${name}` } })
      expect(response.status).toBe(400)
      expect(((await response.json()) as Answer).error).toMatch(/where\.var: unknown tag/)
    }
    expect(await rows()).toBe(before)
  })

  it('keeps a profile named __proto__ and operation keys named __proto__ as plain data', async () => {
    const got = await answer({ where: { '==': [{ var: 'tags.value_segment' }, 'loyal'] } })
    expect(got.profiles).toEqual([{ id: '__proto__', tags: { value_segment: 'loyal' } }])
    const response = await query('{"where": {"__proto__": [1, 2]}}')
    expect(response.status).toBe(400)
    expect(((await response.json()) as Answer).error).toMatch(/unknown operation "__proto__"/)
  })
})

describe('audience query validation', () => {
  const rejects = async (body: unknown, message: RegExp, status = 400) => {
    const response = await query(body)
    const json = (await response.json()) as Answer
    expect(response.status, JSON.stringify(body)).toBe(status)
    expect(json.error).toMatch(message)
  }

  it('names the field and what it expects for malformed bodies', async () => {
    await rejects('not json', /body is not valid JSON/)
    await rejects([], /body must be a JSON object/)
    await rejects({}, /"where" is required/)
    await rejects(
      { where: { var: 'tags.coupon_hunter' }, limit: 0 },
      /"limit" must be an integer from 1 to 1000 \(got 0\)/,
    )
    await rejects(
      { where: { var: 'tags.coupon_hunter' }, limit: 1001 },
      /"limit" must be an integer from 1 to 1000/,
    )
    await rejects(
      { where: { var: 'tags.coupon_hunter' }, limit: 2.5 },
      /"limit" must be an integer/,
    )
    await rejects(
      { where: { var: 'tags.coupon_hunter' }, limit: '10' },
      /"limit" must be an integer/,
    )
    await rejects(
      { where: { var: 'tags.coupon_hunter' }, cursor: 5 },
      /"cursor" must be the string a previous page returned/,
    )
    await rejects(
      { where: { var: 'tags.coupon_hunter' }, cursor: '%%%' },
      /"cursor" is not one this API returned/,
    )
    await rejects({ where: { var: 'tags.coupon_hunter' }, sort: 'id' }, /unknown field "sort"/)
    await rejects({ where: 'tags.coupon_hunter' }, /"where" must be a JsonLogic expression/)
    await rejects({ where: [] }, /"where" must be a JsonLogic expression/)
  })

  it('names unsupported operations and their path', async () => {
    await rejects(
      {
        where: {
          and: [{ var: 'tags.coupon_hunter' }, { some: [{ var: 'tags.top_interest' }, true] }],
        },
      },
      /where\.and\[1\]\.some: operation "some" is not supported in audience queries/,
    )
    await rejects({ where: { in: ['a', { var: 'tags.top_interest' }] } }, /where\.in: write \{"in"/)
    await rejects(
      { where: { '==': [{ var: 'tags.top_interest' }, { var: 'tags.visa_destination' }] } },
      /where\["=="\]: compares two tags/,
    )
    await rejects(
      { where: { '>': [{ '+': [{ var: 'tags.business_traveler' }, 1] }, 2] } },
      /where\[">"\]\[0\]: compare a tag/,
    )
    await rejects(
      { where: { var: 'metrics.orders_30d' } },
      /where\.var: audience queries read tags only/,
    )
    await rejects(
      { where: { var: ['tags.coupon_hunter', true] } },
      /where\.var: a default value is not supported/,
    )
    await rejects({ where: { and: true } }, /where\.and: "and" takes an array of conditions/)
    await rejects(
      { where: { '!': [true, false] } },
      /where\["!"\]: "!" takes exactly one condition/,
    )
  })

  it('answers or rejects with a 400 the largest expressions the engine accepts, never a 500', async () => {
    const tags = ['coupon_hunter', 'window_shopper', 'cart_open']
    for (const [op, n] of [
      ['and', 40],
      ['or', 40],
      ['and', 400],
      ['or', 700],
    ] as const) {
      const args = Array.from({ length: n }, (_, i) =>
        i % 2 ? { var: `tags.${tags[i % 3]}` } : { '!': { var: `tags.${tags[i % 3]}` } },
      )
      const response = await query({ where: { [op]: args } })
      expect([200, 400], `${op} of ${n}`).toContain(response.status)
      if (response.status === 400)
        expect(((await response.json()) as Answer).error).toMatch(
          /SQL; at most 100000 fit|too large for one D1 query/,
        )
    }
    const small = await query({
      where: { or: [{ var: 'tags.cart_open' }, { var: 'tags.coupon_hunter' }] },
    })
    expect(small.status).toBe(200)
  })

  it('names unknown operations and tags with a suggestion', async () => {
    await rejects(
      { where: { vars: 'tags.coupon_hunter' } },
      /where\.vars: unknown operation "vars" \(did you mean "var"\?\)/,
    )
    await rejects(
      { where: { var: 'tags.coupon_hunterr' } },
      /unknown tag "coupon_hunterr" \(did you mean "coupon_hunter"\?\)/,
    )
  })

  it('needs the adminKey: no key, a writeKey or a wrong key get 401, and no CORS headers', async () => {
    const body = JSON.stringify({ where: { var: 'tags.coupon_hunter' } })
    for (const authorization of [undefined, basic(WRITE_KEY), bearer(WRITE_KEY), bearer('wrong')]) {
      const headers: Record<string, string> = {
        origin: 'https://shop.example',
        'content-type': 'application/json',
      }
      if (authorization) headers.authorization = authorization
      const response = await SELF.fetch(`${BASE}/v1/audiences/query`, {
        method: 'POST',
        headers,
        body,
      })
      expect(response.status).toBe(401)
      expect(((await response.json()) as Answer).error).toMatch(/adminKey/)
      expect(response.headers.get('access-control-allow-origin')).toBeNull()
    }
    const ok = await query(body, { origin: 'https://shop.example' })
    expect(ok.status).toBe(200)
    expect(ok.headers.get('access-control-allow-origin')).toBeNull()
  })
})

describe('audience query plans', () => {
  // One secondary index serves labels, flags and thresholds (migrations/0008): a test of a value
  // that is not a number must say `num IS NULL` to be a seek rather than a scan of the tag's rows.
  const tagIds = Object.keys(catalog.tags)
  const planOf = async (where: unknown): Promise<string> => {
    const statements = audienceStatements(parseWhere(where, tagIds), new Map(), { limit: 50 })!
    const statement = statements.counted ? statements.page : statements.count
    const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${statement.sql}`)
      .bind(...statement.params)
      .all<{ detail: string }>()
    return plan.results.map((row) => row.detail).join('\n')
  }
  const SEEK = 'USING COVERING INDEX tag_index_by_num (tag=? AND num=? AND value=?)'

  it.each([
    ['a label', { '==': [{ var: 'tags.spend_tier_30d' }, 'high'] }],
    ['a flag', { '===': [{ var: 'tags.coupon_hunter' }, true] }],
    ['a list of labels', { in: [{ var: 'tags.lifecycle_stage' }, ['new', 'active']] }],
  ])('finds %s by a seek on (tag, num, value)', async (_, where) => {
    expect(await planOf(where)).toContain(SEEK)
  })

  it('does not narrow a string that a writer could read as a number', async () => {
    expect(await planOf({ '==': [{ var: 'tags.spend_tier_30d' }, '5'] })).not.toContain(SEEK)
  })
})
