import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { afterAll, describe, expect, it } from 'vitest'
import catalog from '../../examples/rules/catalog.json'
import type { BackfillStatus } from '../../collector/rules/backfill.ts'
import { compileRules } from '../../rules/index.ts'
import { profileStates } from '../support/profile-states.ts'
import { generateEvents, shuffle, visitorsOf } from '../support/events.ts'
import { flakyD1 } from './flaky-d1.ts'
import { admin, json, post, postAsServer, track, uniqueId } from './helpers.ts'
import { anonymousProfile } from '../../rules/index.ts'
import { TagStore } from '../../collector/profile/tag-store.ts'

const DAY = 86_400_000

/** The catalog with `revenue_30d` and `orders_30d` over 90 days, revenue of flights only. */
const changed = {
  ...catalog,
  metrics: {
    ...catalog.metrics,
    orders_30d: { ...catalog.metrics.orders_30d, window: '90d' },
    revenue_30d: {
      ...catalog.metrics.revenue_30d,
      window: '90d',
      events: {
        event: 'Order Completed',
        where: { '===': [{ var: 'properties.product_type' }, 'flight'] },
      },
    },
  },
}

const put = (document: unknown, query = '') =>
  admin(`/v1/rules${query}`, {
    method: 'PUT',
    body: JSON.stringify(document),
    headers: { 'content-type': 'application/json', 'if-match': '*' },
  })

interface Published {
  status: string
  version: string
  backfill?: BackfillStatus
}

interface View {
  profile: string
  tags: Record<string, unknown>
  metrics: Record<string, unknown>
  evaluatedAt: string
  rulesVersion: string
}

const rulesObject = () => env.RULES.getByName('rules')
const progress = async () => json<BackfillStatus>(await admin('/v1/rules/backfill'))

/** Runs the backfill's next page the way its alarm does (the tests pause between pages). */
const nextPage = async () => expect(await runDurableObjectAlarm(rulesObject())).toBe(true)

async function finish(): Promise<BackfillStatus> {
  for (let pages = 0; pages < 2000; pages++) {
    const status = await progress()
    if (status.state !== 'running') return status
    await nextPage()
  }
  throw new Error('the backfill did not finish in 2000 pages')
}

/** Waits until the directory lists every id (profiles list themselves after their commit). */
async function listed(ids: readonly string[]): Promise<void> {
  await expect
    .poll(async () => {
      const { results } = await env.DB.prepare(
        `SELECT id FROM profiles WHERE id IN (${ids.map(() => '?').join(',')})`,
      )
        .bind(...ids)
        .all<{ id: string }>()
      return results.length
    })
    .toBe(ids.length)
}

/** A profile of one event, listed in the directory: a backfill has a page to run. */
async function oneListedProfile(): Promise<void> {
  const anon = uniqueId('a')
  await post('/v1/batch', { batch: [track(anon, 'X', Date.now())] })
  await listed([anonymousProfile(anon)])
}

/** Profiles and events of a few generated people, with identify and alias merges. */
async function people(seed: number) {
  const now = Date.now()
  const days = 100
  const options = { seed, visitors: 8, days, start: new Date(now - days * DAY).toISOString() }
  // Unique ids per run: the directory and the objects outlive a test.
  const suffix = uniqueId('')
  const rename = (id: unknown) => (typeof id === 'string' ? `${id}${suffix}` : id)
  const generated = generateEvents(options)
  const events = generated.map((event) => ({
    ...event,
    anonymousId: rename(event.anonymousId),
    userId: rename(event.userId),
    previousId: rename(event.previousId),
    messageId: rename(event.messageId),
  }))
  // Sent by the server source: an import of past events, user-to-user aliases included.
  const shuffled = shuffle(events, seed)
  for (let i = 0; i < shuffled.length; i += 400) {
    const body = await json(await postAsServer('/v1/batch', { batch: shuffled.slice(i, i + 400) }))
    expect(body.rejected).toEqual([])
  }
  const visitors = visitorsOf(options)
  // Some people sign in: their user profiles absorbed anonymous ones (identify and alias merges).
  expect(visitors.some((v) => v.userId !== null)).toBe(true)
  expect(generated.some((e) => e.type === 'alias')).toBe(true)
  const profiles = visitors.map((v) => `${v.profile}${suffix}`)
  await listed(profiles)
  return { events, profiles: [...new Set(profiles)] }
}

/** What `tagwise eval` computes for each person: an identity graph, one state per profile. */
function engine(document: unknown, events: readonly Record<string, unknown>[]) {
  return profileStates(compileRules(JSON.stringify(document)), events)
}

async function expectEngineTags(document: unknown, events: readonly Record<string, unknown>[]) {
  for (const [profile, state] of engine(document, events)) {
    const view = await json<View>(await admin(`/v1/profiles/${encodeURIComponent(profile)}`))
    const expected = state.evaluate(Date.parse(view.evaluatedAt))
    expect(view.tags, profile).toEqual(expected.tags)
    expect(view.metrics, profile).toEqual(expected.metrics)
  }
}

/** The stored tags and the rules version of the stored state, read without evaluating. */
const stored = (profile: string) =>
  runInDurableObject(env.PROFILES.getByName(profile), (_, state) => ({
    tags: new TagStore(state.storage.sql).current(),
    version: state.storage.sql
      .exec<{ rules_version: string }>('SELECT rules_version FROM state')
      .toArray()[0]?.rules_version,
  }))

afterAll(async () => {
  expect((await put(catalog)).status).toBe(200)
})

describe('PUT /v1/rules?backfill=1', () => {
  it('rebuilds every profile from its stored events: tags equal the engine with the new rules', async () => {
    await put(catalog)
    const { events, profiles } = await people(5)
    const before = engine(catalog, events)
    const after = engine(changed, events)
    // The change matters for these people: some spend tier differs over their history.
    const now = Date.now()
    expect(
      [...after].some(
        ([profile, state]) =>
          state.evaluate(now).tags.spend_tier_30d !==
          before.get(profile)!.evaluate(now).tags.spend_tier_30d,
      ),
    ).toBe(true)

    const response = await put(changed, '?backfill=1')
    expect(response.status).toBe(200)
    const published = await json<Published>(response)
    expect(published).toMatchObject({
      status: 'published',
      backfill: { version: published.version, state: 'running', processed: 0 },
    })
    expect(published.backfill!.total).toBeGreaterThanOrEqual(profiles.length)

    const done = await finish()
    expect(done).toMatchObject({ version: published.version, state: 'done', failed: 0 })
    expect(done.processed).toBe(done.total)
    expect(done.rebuilt).toBeGreaterThanOrEqual(profiles.length)
    expect(Date.parse(done.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(done.startedAt))
    for (const profile of profiles) expect((await stored(profile)).version).toBe(published.version)
    await expectEngineTags(changed, events)
  })

  it('without backfill, stored tags change only with the next event, counted from then on', async () => {
    await put(catalog)
    const anon = uniqueId('a')
    const now = Date.now()
    const order = (ms: number, productType: string) =>
      track(anon, 'Order Completed', ms, {
        properties: { revenue: 2000, product_type: productType },
      })
    // A flight 60 days ago: outside the old 30-day window, inside the new 90-day one.
    await post('/v1/batch', { batch: [order(now - 60 * DAY, 'flight')] })
    await listed([anonymousProfile(anon)])
    const old = await stored(anonymousProfile(anon))
    expect(old.tags).not.toHaveProperty('spend_tier_30d')

    const published = await json<Published>(await put(changed))
    expect(published.backfill).toBeUndefined()
    expect(await stored(anonymousProfile(anon))).toEqual(old)

    await post('/v1/batch', { batch: [track(anon, 'Product Viewed', now - 1000)] })
    const next = await stored(anonymousProfile(anon))
    expect(next.version).toBe(published.version)
    // revenue_30d changed definition: it restarts empty, the old flight is not counted.
    expect(next.tags).not.toHaveProperty('spend_tier_30d')

    const again = await json<Published>(await put(changed, '?backfill=1'))
    expect(again).toMatchObject({ status: 'unchanged', backfill: { state: 'running' } })
    await finish()
    expect((await stored(anonymousProfile(anon))).tags).toMatchObject({ spend_tier_30d: 'high' })
    const history = await json<{ tagHistory: { tag: string; from: unknown; to: unknown }[] }>(
      await admin(`/v1/profiles/${anonymousProfile(anon)}`),
    )
    expect(history.tagHistory).toContainEqual(
      expect.objectContaining({ tag: 'spend_tier_30d', from: null, to: 'high' }),
    )
  })

  it('resumes at its cursor after the rules object is evicted mid-run', async () => {
    await put(catalog)
    const { events, profiles } = await people(8)
    const published = await json<Published>(await put(changed, '?backfill=1'))

    await nextPage()
    const first = await progress()
    expect(first).toMatchObject({ state: 'running', processed: 4 })
    // Every object is reset, as after an eviction or a crash: only storage survives.
    await abortAllDurableObjects()
    expect(await progress()).toEqual(first)
    await nextPage()
    expect((await progress()).processed).toBe(8)

    const done = await finish()
    expect(done).toMatchObject({ version: published.version, state: 'done', failed: 0 })
    expect(done.processed).toBe(done.total)
    for (const profile of profiles) expect((await stored(profile)).version).toBe(published.version)
    await expectEngineTags(changed, events)
  })

  it('a newer publication supersedes a running backfill', async () => {
    await put(catalog)
    await oneListedProfile()
    const first = await json<Published>(await put(changed, '?backfill=1'))
    expect(first.backfill!.state).toBe('running')
    await json<Published>(await put(catalog))
    expect(await progress()).toMatchObject({
      version: first.version,
      state: 'superseded',
      processed: 0,
    })
    // Its alarm, still set, rebuilds nothing.
    await nextPage()
    expect(await progress()).toMatchObject({ state: 'superseded', processed: 0 })
  })

  it('retries a page whose directory cannot be read, then fails with the error after 5 in a row', async () => {
    await put(catalog)
    await oneListedProfile()
    const published = await json<Published>(await put(changed, '?backfill=1'))
    const real = env.DB
    const down = flakyD1(real, () => true)
    env.DB = down.db
    try {
      for (let attempt = 1; attempt < 5; attempt++) {
        await nextPage()
        expect(await progress()).toMatchObject({
          version: published.version,
          state: 'running',
          processed: 0,
          error: expect.stringContaining('injected fault'),
        })
      }
      await nextPage()
    } finally {
      down.state.on = false
      env.DB = real
    }
    const failed = await progress()
    expect(failed).toMatchObject({ state: 'failed', processed: 0 })
    expect(failed.error).toContain('injected fault')
    expect(failed.finishedAt).not.toBeNull()
    expect(down.failed).toBeGreaterThanOrEqual(5)
  })

  it('validates the backfill parameter and needs the adminKey for progress', async () => {
    const bad = await put(catalog, '?backfill=yes')
    expect(bad.status).toBe(400)
    expect((await json(bad)).error).toContain('backfill')
    const anonymous = await admin('/v1/rules/backfill', { headers: { authorization: '' } })
    expect(anonymous.status).toBe(401)
  })
})
