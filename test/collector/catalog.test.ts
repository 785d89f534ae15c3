import { env } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import catalog from '../../examples/rules/catalog.json'
import { compileRules } from '../../rules/index.ts'
import { admin, basic, bearer, get, WRITE_KEY } from './helpers.ts'
import { clearIndex, engineProfiles, seedIndex, type IndexedProfile } from './tag-index.ts'

interface CoverageValue {
  value: unknown
  range?: [number, number]
  profiles: number
}
interface CatalogTag {
  id: string
  name: string | null
  description: string | null
  category: string | null
  owner: string | null
  status: string
  deprecated: boolean
  kind: string
  evaluates: string
  coverage: { profiles: number; distinctValues: number; bucketed: boolean; values: CoverageValue[] }
  lastChangeAt: string | null
}
interface Catalog {
  rulesVersion: string
  profiles: number
  categories: Record<string, string>
  tags: CatalogTag[]
  metrics: {
    id: string
    description: string | null
    agg: string
    window: string
    evaluates: string
  }[]
  error?: string
}

async function fetchCatalog(): Promise<Catalog> {
  const response = await admin('/v1/catalog')
  const body = (await response.json()) as Catalog
  expect(response.status, body.error).toBe(200)
  return body
}

const NOW = Date.parse('2026-05-01T00:00:00Z')
const rules = compileRules(catalog)
const kindOf = new Map(rules.tags.map((t) => [t.id, t.kind]))

/** A distinct change time per profile and tag, so the latest one is known. */
const changedAt = (profile: string, tag: string) =>
  NOW -
  ((profile.length * 7919 + profile.charCodeAt(profile.length - 1) * 31 + tag.length) % 100_000)

/**
 * Coverage computed the documented way from the seeded profiles: scores in tenths of [0, 1];
 * other numbers one by one up to 20 distinct values, else in tenths of [min, max]; the rest one
 * by one; most profiles first (ties by the value's key), 20 listed.
 */
function expectedCoverage(profiles: readonly IndexedProfile[], tag: string) {
  const values = profiles.flatMap((p) => (tag in p.tags ? [p.tags[tag]] : []))
  const numbers = values.filter((v): v is number => typeof v === 'number')
  const [lo, hi] = [Math.min(...numbers), Math.max(...numbers)]
  const exactNumbers = new Set(numbers).size <= 20
  const groups = new Map<string, number>()
  for (const v of values) {
    let key = JSON.stringify(v)
    if (typeof v === 'number' && kindOf.get(tag) === 'score')
      key = `b${Math.max(0, Math.min(Math.floor(v * 10), 9))}`
    else if (typeof v === 'number' && !exactNumbers)
      key = `r${Math.min(Math.floor(((v - lo) * 10) / (hi - lo)), 9)}`
    groups.set(key, (groups.get(key) ?? 0) + 1)
  }
  const sorted = [...groups].sort(([ka, a], [kb, b]) => b - a || (ka < kb ? -1 : ka > kb ? 1 : 0))
  return {
    profiles: values.length,
    distinctValues: groups.size,
    listed: sorted.slice(0, 20),
    lastChangeAt: values.length
      ? new Date(
          Math.max(...profiles.filter((p) => tag in p.tags).map((p) => changedAt(p.id, tag))),
        ).toISOString()
      : null,
  }
}

describe('GET /v1/catalog', () => {
  let profiles: IndexedProfile[]

  beforeAll(async () => {
    await clearIndex()
    // Engine-given tags, plus profiles whose value tag holds many distinct numbers (bucketed) and
    // a few numbers for a tag that holds labels otherwise (listed one by one).
    const synthetic = Array.from({ length: 40 }, (_, i) => ({
      id: `n${String(i).padStart(2, '0')}`,
      tags: { top_interest: i * 2.5 - 10, lifecycle_stage: i % 3 },
    }))
    profiles = [...engineProfiles(120, 9, NOW), ...synthetic]
    await seedIndex(profiles, { changedAt })
  })

  it('lists every tag of the active rules with its metadata, kind and where it evaluates', async () => {
    const body = await fetchCatalog()
    expect(body.categories).toEqual(catalog.categories)
    expect(body.tags.map((t) => t.id)).toEqual(Object.keys(catalog.tags))
    const versions = await admin('/v1/rules/versions')
    expect(body.rulesVersion).toBe(((await versions.json()) as { active: string }).active)
    for (const tag of body.tags) {
      const def = catalog.tags[tag.id as keyof typeof catalog.tags] as Record<string, unknown>
      const info = rules.tags.find((t) => t.id === tag.id)!
      expect(tag).toMatchObject({
        name: def.name ?? null,
        description: def.description ?? null,
        category: def.category ?? null,
        owner: def.owner ?? null,
        status: def.status ?? 'draft',
        deprecated: def.status === 'deprecated',
        kind: info.kind,
        evaluates: info.evaluatedOn,
      })
    }
    expect(body.tags.find((t) => t.id === 'big_spender')).toMatchObject({
      status: 'deprecated',
      deprecated: true,
    })
    expect(new Set(body.tags.map((t) => t.evaluates))).toEqual(new Set(['device', 'edge']))
  })

  it('counts coverage per tag and per value exactly as the index holds it', async () => {
    const body = await fetchCatalog()
    expect(body.profiles).toBe(profiles.length)
    for (const tag of body.tags) {
      const expected = expectedCoverage(profiles, tag.id)
      expect(tag.coverage.profiles, tag.id).toBe(expected.profiles)
      expect(tag.coverage.distinctValues, tag.id).toBe(expected.distinctValues)
      expect(tag.lastChangeAt, tag.id).toBe(expected.lastChangeAt)
      expect(
        tag.coverage.values.map((v) => v.profiles),
        tag.id,
      ).toEqual(expected.listed.map(([, n]) => n))
      const unbucketed = tag.coverage.values
        .filter((v) => !v.range)
        .map((v) => JSON.stringify(v.value))
      expect(unbucketed, tag.id).toEqual(
        expected.listed.map(([k]) => k).filter((k) => !/^[br]\d$/.test(k)),
      )
    }
    const [score, shares] = ['business_traveler', 'top_interest'].map(
      (id) => body.tags.find((t) => t.id === id)!.coverage,
    )
    expect(score!.bucketed).toBe(true)
    for (const bucket of score!.values) {
      const [lo, hi] = bucket.range!
      expect(hi - lo).toBeCloseTo(0.1)
      const inside = profiles.filter((p) => {
        const v = p.tags.business_traveler
        return typeof v === 'number' && v >= lo && (v < hi || hi === 1)
      })
      expect(bucket.profiles).toBe(inside.length)
    }
    // top_interest: labels one by one, and 40 distinct numbers in tenths of [-10, 87.5].
    expect(shares!.bucketed).toBe(true)
    expect(
      shares!.values
        .filter((v) => v.range)
        .map((v) => v.range![0])
        .sort((a, b) => a - b),
    ).toEqual([-10, -0.25, 9.5, 19.25, 29, 38.75, 48.5, 58.25, 68, 77.75])
    // lifecycle_stage: labels, and the numbers 0, 1, 2 one by one.
    const stages = body.tags.find((t) => t.id === 'lifecycle_stage')!.coverage
    expect(stages.bucketed).toBe(false)
    expect(stages.values.map((v) => v.value)).toEqual(expect.arrayContaining([0, 1, 2, 'mature']))
  })

  it('lists every metric with its aggregation, window and where it evaluates', async () => {
    const body = await fetchCatalog()
    expect(body.metrics).toEqual(
      Object.entries(catalog.metrics).map(([id, def]) => ({
        id,
        description: (def as { description?: string }).description ?? null,
        agg: def.agg,
        window: def.window,
        evaluates: def.window === 'session' ? 'device' : 'edge',
      })),
    )
  })

  it('counts the profile directory, or the tag index while the directory is empty', async () => {
    await seedIndex([{ id: 'directory-only', tags: {} }])
    expect((await fetchCatalog()).profiles).toBe(profiles.length + 1)
    await env.DB.prepare('DELETE FROM profiles').run()
    expect((await fetchCatalog()).profiles).toBe(profiles.length)
  })

  it('needs the adminKey', async () => {
    for (const authorization of [basic(WRITE_KEY), bearer(WRITE_KEY)]) {
      const response = await get('/v1/catalog', { authorization })
      expect(response.status).toBe(401)
      expect(response.headers.get('access-control-allow-origin')).toBeNull()
    }
  })
})

describe('GET /v1/catalog after a publication', () => {
  it('describes the published version: defaults for missing metadata, no coverage for new tags', async () => {
    await clearIndex()
    const document = {
      version: 1,
      metrics: {
        views: { events: { type: 'page' }, agg: 'count', window: 'session' },
        orders: { events: { event: 'Order Completed' }, agg: 'count', window: '30d' },
      },
      tags: {
        browsing: { when: { '>': [{ var: 'metrics.views' }, 2] } },
        buyer: { when: { var: 'metrics.orders' }, status: 'certified', owner: 'growth' },
      },
    }
    const published = await admin('/v1/rules', {
      method: 'PUT',
      headers: { 'if-match': '*' },
      body: JSON.stringify(document),
    })
    expect(published.status).toBe(200)
    const body = await fetchCatalog()
    expect(body.rulesVersion).toBe(((await published.json()) as { version: string }).version)
    expect(body.categories).toEqual({})
    expect(body.profiles).toBe(0)
    expect(body.tags).toEqual([
      {
        id: 'browsing',
        name: null,
        description: null,
        category: null,
        owner: null,
        status: 'draft',
        deprecated: false,
        kind: 'flag',
        evaluates: 'device',
        coverage: { profiles: 0, distinctValues: 0, bucketed: false, values: [] },
        lastChangeAt: null,
        health: {
          throws: null,
          neverHeld: true,
          nearlyEveryone: false,
          unchangedFor30Days: false,
        },
      },
      expect.objectContaining({
        id: 'buyer',
        status: 'certified',
        owner: 'growth',
        evaluates: 'edge',
      }),
    ])
  })
})
