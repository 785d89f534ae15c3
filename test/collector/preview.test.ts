import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import type { PreviewStatus } from '../../collector/rules/preview.ts'
import { admin, json } from './helpers.ts'
import {
  ACTIVE,
  DRAFT,
  everything,
  postPreview,
  previewStatus,
  putRules,
  sendPeople,
} from './preview-helpers.ts'

const order = (revenue: number, daysAgo = 1) => ({ order: true, revenue, daysAgo })
const view = { order: false, revenue: 0, daysAgo: 2 }

describe('POST /v1/rules/preview (a small directory: answered at once)', () => {
  // Set up in the first test that needs it (`expect.poll` runs only inside a test).
  let people: Promise<string[]> | undefined
  const setUp = () =>
    (people ??= (async () => {
      expect((await putRules(ACTIVE)).status).toBe(200)
      return sendPeople([
        // Low spender: tier low → mid, recent buyer → not (one order in 30 days).
        [order(400)],
        // Two orders of 600: big spender, tier mid and recent buyer under both.
        [order(600), order(600, 3)],
        // Viewer only: browser (removed) → window shopper (added).
        [view, view, view],
        // An order 60 days ago: big spender from 500 (gained), tier mid under both.
        [order(800, 60), view],
      ])
    })())

  it('counts per tag who holds it before and after, who gains, loses or changes it', async () => {
    const profiles = await setUp()
    const versions = await json<{ active: string }>(await admin('/v1/rules/versions'))
    const held = await Promise.all(profiles.map(everything))
    const changes = await env.DB.prepare(`SELECT count(*) AS n FROM tag_changes`).first()

    const response = await postPreview(DRAFT)
    expect(response.status).toBe(200)
    const result = await json<PreviewStatus>(response)
    expect(result).toMatchObject({ state: 'done', profiles: 4, processed: 4, total: 4, failed: 0 })
    expect(result.tags).toEqual({
      buyer: { before: 3, after: 3, gained: 0, lost: 0, changed: 0 },
      big_spender: { before: 1, after: 2, gained: 1, lost: 0, changed: 0 },
      spend_tier: { before: 3, after: 3, gained: 0, lost: 0, changed: 1 },
      recent_buyer: { before: 2, after: 1, gained: 0, lost: 1, changed: 0 },
      window_shopper: { before: 0, after: 1, gained: 1, lost: 0, changed: 0 },
      browser: { before: 1, after: 0, gained: 0, lost: 1, changed: 0 },
    })
    // It published nothing and stored nothing: every table of every profile (events, state,
    // tag history, outbox, meta...) and its alarm are as they were; no change was logged.
    expect(await json(await admin('/v1/rules/versions'))).toEqual(versions)
    expect(await Promise.all(profiles.map(everything))).toEqual(held)
    expect(held[0]!.tables).toHaveProperty('tag_history')
    expect(held[0]!.tables).toHaveProperty('outbox')
    expect(await env.DB.prepare(`SELECT count(*) AS n FROM tag_changes`).first()).toEqual(changes)
    // The same result stays readable by its id.
    expect(response.headers.get('location')).toBe(`/v1/rules/preview/${result.id}`)
    expect(await previewStatus(result.id)).toEqual(
      (({ warnings: _, ...status }) => status)(result as PreviewStatus & { warnings?: unknown }),
    )
  })

  it('a draft equal to the active rules changes nothing', async () => {
    await setUp()
    const result = await json<PreviewStatus>(await postPreview(ACTIVE))
    expect(result.active).toBe(result.draft)
    for (const counts of Object.values(result.tags!)) {
      expect(counts.before).toBe(counts.after)
      expect(counts).toMatchObject({ gained: 0, lost: 0, changed: 0 })
    }
  })

  it('validates the draft like PUT /v1/rules: 400 with every problem', async () => {
    const bad = {
      ...ACTIVE,
      tags: {
        ...ACTIVE.tags,
        broken: { when: { '>=': [{ var: 'metrics.nope' }, 1] } },
        worse: { tiers: { of: 1, cuts: [2, 1], labels: ['a'] } },
      },
    }
    const response = await postPreview(bad)
    expect(response.status).toBe(400)
    const body = await json<{ error: string; problems: { path: string }[] }>(response)
    const published = await json<{ problems: { path: string }[] }>(await putRules(bad))
    expect(body.problems).toEqual(published.problems)
    expect(body.problems.some((p) => p.path.includes('broken'))).toBe(true)
    expect(body.problems.some((p) => p.path.includes('worse'))).toBe(true)
    expect((await postPreview('{"version":1,')).status).toBe(400)
  })

  it('needs the adminKey; an unknown preview is 404', async () => {
    expect((await postPreview(DRAFT, { headers: { authorization: '' } })).status).toBe(401)
    expect((await postPreview(DRAFT, { headers: { authorization: 'Bearer nope' } })).status).toBe(
      401,
    )
    const { id } = await json<PreviewStatus>(await postPreview(DRAFT))
    expect(
      (await admin(`/v1/rules/preview/${id}`, { headers: { authorization: '' } })).status,
    ).toBe(401)
    expect((await admin('/v1/rules/preview/nope')).status).toBe(404)
  })
})
