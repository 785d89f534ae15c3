// Tag health (issue 20): a tag whose expression throws for some profiles is absent for them; the
// catalog counts those profiles (with an error) instead of hiding them, and flags tags nobody holds
// or nearly everyone holds.
import { env } from 'cloudflare:workers'
import { afterAll, describe, expect, it } from 'vitest'
import catalog from '../../examples/rules/catalog.json'
import type { CatalogResponse } from '../../collector/index.ts'
import { anonymousProfile } from '../../rules/index.ts'
import { admin, json, post, track, uniqueId } from './helpers.ts'

const put = (document: unknown) =>
  admin('/v1/rules', {
    method: 'PUT',
    body: JSON.stringify(document),
    headers: { 'content-type': 'application/json', 'if-match': '*' },
  })

/** The catalog plus a tag that throws for a profile with a top category (a string == a number). */
const WITH_THROWING_TAG = {
  ...catalog,
  tags: {
    ...catalog.tags,
    category_one: { when: { '==': [{ var: 'metrics.top_category_30d' }, 1] } },
  },
}

afterAll(async () => {
  expect((await put(catalog)).status).toBe(200)
})

const healthOf = async (tag: string) => {
  const body = await json<CatalogResponse>(await admin('/v1/catalog'))
  return body.tags.find((t) => t.id === tag)!.health
}
const errorRows = (profile: string) =>
  env.DB.prepare('SELECT tag, error FROM tag_errors WHERE profile = ?')
    .bind(profile)
    .all<{ tag: string; error: string }>()

describe('tag health', () => {
  it('counts the profiles a tag throws for, with the error, and forgets an erased one', async () => {
    expect((await put(WITH_THROWING_TAG)).status).toBe(200)
    const [browser, quiet] = [uniqueId('a'), uniqueId('a')]
    const now = Date.now()
    // Before: the tag was silently absent for the browser, nothing said why.
    const viewed = track(browser, 'Product Viewed', now - 1000, {
      properties: { category: 'luggage' },
    })
    const body = await json(await post('/v1/batch', { batch: [viewed] }))
    expect(body.tags).not.toHaveProperty('category_one')
    await post('/v1/batch', { batch: [track(quiet, 'Page Viewed', now - 1000)] })

    await expect
      .poll(async () => (await errorRows(anonymousProfile(browser))).results)
      .toEqual([{ tag: 'category_one', error: expect.stringContaining('') }])
    expect((await errorRows(anonymousProfile(quiet))).results).toEqual([])
    const health = await healthOf('category_one')
    expect(health.throws).toMatchObject({ profiles: expect.any(Number) })
    expect(health.throws!.profiles).toBeGreaterThanOrEqual(1)
    expect(health.throws!.error.length).toBeGreaterThan(0)

    expect(
      (await admin(`/v1/profiles/${anonymousProfile(browser)}`, { method: 'DELETE' })).status,
    ).toBe(204)
    expect((await errorRows(anonymousProfile(browser))).results).toEqual([])
    // The same object, erased, reports the same errors again with its next commit (it keeps the
    // last reported ones in memory: an erase must drop them).
    const again = track(browser, 'Product Viewed', Date.now() - 1000, {
      properties: { category: 'luggage' },
    })
    expect((await post('/v1/batch', { batch: [again] })).status).toBe(200)
    await expect
      .poll(async () => (await errorRows(anonymousProfile(browser))).results)
      .toEqual([{ tag: 'category_one', error: expect.stringContaining('') }])
  })

  it('flags a tag nobody ever held, and one nearly everyone holds', async () => {
    const never = {
      ...catalog,
      tags: {
        ...catalog.tags,
        nobody: { when: { '>': [{ var: 'metrics.orders_lifetime' }, 1e9] } },
        everybody: { when: { '>=': [{ var: 'metrics.orders_lifetime' }, 0] } },
      },
    }
    expect((await put(never)).status).toBe(200)
    const visitor = uniqueId('a')
    await post('/v1/batch', { batch: [track(visitor, 'Page Viewed', Date.now() - 1000)] })
    expect(await healthOf('nobody')).toMatchObject({
      throws: null,
      neverHeld: true,
      nearlyEveryone: false,
    })
    // The visitor holds `everybody` once the export queue has indexed it.
    await expect
      .poll(async () => (await healthOf('everybody')).neverHeld, { timeout: 10_000 })
      .toBe(false)
  })
})
