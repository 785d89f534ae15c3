// Coverage over time (issue 20): the daily Cron Trigger records every tag's coverage of the day in
// D1, kept 400 days; GET /v1/catalog/history reads a tag's days.
import { createScheduledController } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import worker, {
  type CatalogHistoriesResponse,
  type CatalogHistoryResponse,
  type CatalogResponse,
} from '../../collector/index.ts'
import { admin, json, post, track, uniqueId } from './helpers.ts'

const DAY = 86_400_000

/** Runs the Worker's scheduled handler as the Cron Trigger would at `at`. */
async function cron(at: number) {
  const controller = createScheduledController({ scheduledTime: new Date(at), cron: '5 0 * * *' })
  await worker.scheduled(controller, env)
}

const historyOf = (tag: string, days: number | string = 30) =>
  admin(`/v1/catalog/history?tag=${encodeURIComponent(tag)}&days=${days}`)

/** What the catalog says of `tag` now. */
async function catalogCoverage(tag: string) {
  const catalog = await json<CatalogResponse>(await admin('/v1/catalog'))
  return catalog.tags.find((t) => t.id === tag)!.coverage
}

describe('coverage history', () => {
  it("records each day's coverage as the catalog shows it, one row per tag and day", async () => {
    const now = Date.now()
    const claimers = [uniqueId('a'), uniqueId('a')]
    await post('/v1/batch', {
      batch: claimers.map((id) => track(id, 'Coupon Claimed', now - 1000)),
    })
    // The tag index is written by the export queue's consumer.
    await expect
      .poll(async () => (await catalogCoverage('coupon_claimer')).profiles, {
        timeout: 10_000,
        interval: 100,
      })
      .toBeGreaterThanOrEqual(2)
    const today = await catalogCoverage('coupon_claimer')
    // Three simulated days, the last one twice (a retried trigger replaces its row).
    for (const at of [now - 2 * DAY, now - DAY, now, now]) await cron(at)

    const response = await historyOf('coupon_claimer', 3)
    expect(response.status).toBe(200)
    const { tag, days } = await json<CatalogHistoryResponse>(response)
    expect(tag).toBe('coupon_claimer')
    const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10)
    expect(days.map((d) => d.day)).toEqual([dayOf(now - 2 * DAY), dayOf(now - DAY), dayOf(now)])
    expect(days[2]).toEqual({ day: dayOf(now), profiles: today.profiles, coverage: today })
    // Every tag of the rules has its row, held by someone or not.
    const catalog = await json<CatalogResponse>(await admin('/v1/catalog'))
    const rows = await env.DB.prepare('SELECT tag FROM coverage_history WHERE day = ?')
      .bind(dayOf(now))
      .all<{ tag: string }>()
    expect(rows.results.map((r) => r.tag).sort()).toEqual(catalog.tags.map((t) => t.id).sort())
  })

  it("answers every tag's profiles per day in one request, for the catalog's sparklines", async () => {
    const now = Date.now()
    await cron(now - DAY)
    await cron(now)
    const all = await json<CatalogHistoriesResponse>(await admin('/v1/catalog/history?days=2'))
    const catalog = await json<CatalogResponse>(await admin('/v1/catalog'))
    expect(Object.keys(all.tags).sort()).toEqual(catalog.tags.map((t) => t.id).sort())
    const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10)
    for (const tag of catalog.tags)
      expect(all.tags[tag.id]!.map((d) => d.day)).toEqual([dayOf(now - DAY), dayOf(now)])
    expect(all.tags.coupon_claimer!.at(-1)!.profiles).toBe(
      catalog.tags.find((t) => t.id === 'coupon_claimer')!.coverage.profiles,
    )
  })

  it('keeps 400 days: older days are dropped by the next snapshot', async () => {
    const now = Date.now()
    await cron(now - 450 * DAY)
    const day = new Date(now - 450 * DAY).toISOString().slice(0, 10)
    const count = () =>
      env.DB.prepare('SELECT count(*) AS n FROM coverage_history WHERE day = ?')
        .bind(day)
        .first<{ n: number }>()
    expect((await count())!.n).toBeGreaterThan(0)
    await cron(now)
    expect((await count())!.n).toBe(0)
    await cron(now - 399 * DAY)
    const kept = new Date(now - 399 * DAY).toISOString().slice(0, 10)
    const days = (await json<CatalogHistoryResponse>(await historyOf('coupon_claimer', 400))).days
    expect(days.map((d) => d.day)).toContain(kept)
  })

  it('names what is wrong with a request, and needs the adminKey', async () => {
    const empty = await admin('/v1/catalog/history?tag=')
    expect(empty.status).toBe(400)
    expect((await json(empty)).error).toContain('"tag" must name a tag')
    for (const days of ['0', '401', 'x', '1.5']) {
      const bad = await historyOf('coupon_claimer', days)
      expect(bad.status).toBe(400)
      expect((await json(bad)).error).toContain('"days" must be a whole number from 1 to 400')
    }
    const unknown = await historyOf(`no_such_tag_${uniqueId('t')}`)
    expect(unknown.status).toBe(404)
    const anonymous = await admin('/v1/catalog/history?tag=coupon_claimer', {
      headers: { authorization: '' },
    })
    expect(anonymous.status).toBe(401)
  })
})
