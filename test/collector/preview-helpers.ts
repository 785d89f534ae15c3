import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { expect } from 'vitest'
import type { BackfillStatus } from '../../collector/rules/backfill.ts'
import type { PreviewStatus, TagPreview } from '../../collector/rules/preview.ts'
import { admin, iso, json, postAsServer, uniqueId } from './helpers.ts'
import { TagStore } from '../../collector/profile/tag-store.ts'

export const DAY = 86_400_000

const orders = { events: { event: 'Order Completed' }, agg: 'count', window: 'lifetime' }
const spendOf = { if: [{ '>': [{ var: 'metrics.orders' }, 0] }, { var: 'metrics.revenue' }, null] }

/** The active side of the previews: lifetime counts and sums, and one 30-day window. */
export const ACTIVE = {
  version: 1,
  metrics: {
    orders,
    orders_30d: { ...orders, window: '30d' },
    revenue: { ...orders, agg: 'sum', field: 'properties.revenue' },
    views: { events: { event: 'Product Viewed' }, agg: 'count', window: 'lifetime' },
  },
  tags: {
    buyer: { when: { '>=': [{ var: 'metrics.orders' }, 1] } },
    big_spender: { when: { '>=': [{ var: 'metrics.revenue' }, 1000] } },
    spend_tier: { tiers: { of: spendOf, cuts: [500, 2000], labels: ['low', 'mid', 'high'] } },
    browser: { when: { '>=': [{ var: 'metrics.views' }, 2] } },
    recent_buyer: { when: { '>=': [{ var: 'metrics.orders_30d' }, 1] } },
  },
}

/**
 * The draft: `buyer` as it was, `big_spender` from 500, `spend_tier` with other cuts,
 * `recent_buyer` from two orders, `browser` removed, `window_shopper` added.
 */
export const DRAFT = {
  ...ACTIVE,
  tags: {
    buyer: ACTIVE.tags.buyer,
    big_spender: { when: { '>=': [{ var: 'metrics.revenue' }, 500] } },
    spend_tier: { tiers: { of: spendOf, cuts: [300, 1500], labels: ['low', 'mid', 'high'] } },
    recent_buyer: { when: { '>=': [{ var: 'metrics.orders_30d' }, 2] } },
    window_shopper: {
      when: {
        and: [{ '>=': [{ var: 'metrics.views' }, 1] }, { '===': [{ var: 'metrics.orders' }, 0] }],
      },
    },
  },
}

/** One generated event: an order of `revenue` or a product view, `daysAgo` (+ half a day) ago. */
export interface Act {
  order: boolean
  revenue: number
  daysAgo: number
}

/**
 * Sends each person's acts by the server source as one anonymous profile each, waits until the
 * directory lists them all, and answers their profile ids. Events sit half a day off whole days, so
 * no 30-day window edge falls between a preview and a backfill seconds apart.
 */
export async function sendPeople(people: readonly (readonly Act[])[]): Promise<string[]> {
  const now = Date.now()
  const ids = people.map(() => uniqueId('pv'))
  const batch = people.flatMap((acts, n) =>
    acts.map((act) => ({
      type: 'track',
      event: act.order ? 'Order Completed' : 'Product Viewed',
      anonymousId: ids[n],
      messageId: uniqueId('m'),
      timestamp: iso(now - act.daysAgo * DAY - DAY / 2),
      properties: act.order ? { revenue: act.revenue } : {},
    })),
  )
  // A profile exists once it has an event: the silent ones get a page view of their own.
  for (const [n, acts] of people.entries())
    if (!acts.length)
      batch.push({
        type: 'page',
        anonymousId: ids[n],
        messageId: uniqueId('m'),
        timestamp: iso(now - DAY),
      } as (typeof batch)[number])
  for (let i = 0; i < batch.length; i += 400) {
    const body = await json(await postAsServer('/v1/batch', { batch: batch.slice(i, i + 400) }))
    expect(body.rejected).toEqual([])
  }
  const profiles = ids.map((id) => `anonymous:${id}`)
  await listed(profiles)
  return profiles
}

/** Waits until the directory lists every id (profiles list themselves after their commit). */
export async function listed(ids: readonly string[]): Promise<void> {
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

/** Every profile id the directory lists. */
export async function directory(): Promise<string[]> {
  const { results } = await env.DB.prepare(`SELECT id FROM profiles ORDER BY id`).all<{
    id: string
  }>()
  return results.map((row) => row.id)
}

export const putRules = (document: unknown, query = '') =>
  admin(`/v1/rules${query}`, {
    method: 'PUT',
    body: JSON.stringify(document),
    headers: { 'content-type': 'application/json', 'if-match': '*' },
  })

export const postPreview = (document: unknown, init: RequestInit = {}) =>
  admin('/v1/rules/preview', {
    method: 'POST',
    body: typeof document === 'string' ? document : JSON.stringify(document),
    ...init,
    headers: { 'content-type': 'application/json', ...(init.headers as Record<string, string>) },
  })

export const previewStatus = async (id: string) =>
  json<PreviewStatus>(await admin(`/v1/rules/preview/${id}`))

const rulesObject = () => env.RULES.getByName('rules')

/** Runs the rules object's next page (backfill and previews) the way its alarm does. */
export const nextPage = async () => expect(await runDurableObjectAlarm(rulesObject())).toBe(true)

/** A preview of `draft` to its end: at once (200), or page by page (202). */
export async function previewOf(draft: unknown): Promise<PreviewStatus> {
  const response = await postPreview(draft)
  expect([200, 202]).toContain(response.status)
  let status = await json<PreviewStatus>(response)
  for (let pages = 0; status.state === 'running' && pages < 500; pages++) {
    await nextPage()
    status = await previewStatus(status.id)
  }
  expect(status.state).toBe('done')
  return status
}

/** Publishes `document` with `?backfill=1` and runs the backfill to its end. */
export async function publishWithBackfill(document: unknown): Promise<void> {
  expect((await putRules(document, '?backfill=1')).status).toBe(200)
  for (let pages = 0; pages < 500; pages++) {
    const status = await json<BackfillStatus>(await admin('/v1/rules/backfill'))
    if (status.state !== 'running') {
      expect(status).toMatchObject({ state: 'done', failed: 0 })
      return
    }
    await nextPage()
  }
  throw new Error('the backfill did not finish in 500 pages')
}

/** The tags a profile stored (what the admin API and the exports show), read without evaluating. */
export const storedTags = (profile: string) =>
  runInDurableObject(env.PROFILES.getByName(profile), (_, state) =>
    new TagStore(state.storage.sql).current(),
  )

/** Every row of every table of a profile's storage, and its alarm: all it holds. */
export const everything = (profile: string) =>
  runInDurableObject(env.PROFILES.getByName(profile), async (_, state) => {
    const sql = state.storage.sql
    const tables = sql
      .exec<{ name: string }>(
        `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
         AND name NOT LIKE '_cf_%' ORDER BY name`,
      )
      .toArray()
      .map((row) => row.name)
    return {
      tables: Object.fromEntries(
        tables.map((table) => [table, sql.exec(`SELECT * FROM "${table}"`).toArray()]),
      ),
      alarm: await state.storage.getAlarm(),
    }
  })

const holds = (value: unknown) => value !== undefined && value !== null && value !== false

/**
 * The per-tag counts a preview should give, from each profile's tags before and after (the test's
 * own count of the definitions), for every tag of `tagIds`.
 */
export function expectedTags(
  tagIds: readonly string[],
  pairs: readonly [Record<string, unknown>, Record<string, unknown>][],
): Record<string, TagPreview> {
  const tags: Record<string, TagPreview> = {}
  for (const tag of tagIds) {
    const counts = { before: 0, after: 0, gained: 0, lost: 0, changed: 0 }
    for (const [before, after] of pairs) {
      const had = holds(before[tag])
      const has = holds(after[tag])
      counts.before += Number(had)
      counts.after += Number(has)
      counts.gained += Number(has && !had)
      counts.lost += Number(had && !has)
      counts.changed += Number(
        had && has && JSON.stringify(before[tag]) !== JSON.stringify(after[tag]),
      )
    }
    tags[tag] = counts
  }
  return tags
}

/** Every tag of the active document and the draft. */
export const TAG_IDS = [...new Set([...Object.keys(DRAFT.tags), ...Object.keys(ACTIVE.tags)])]
