import { afterAll, describe, expect, it } from 'vitest'
import catalog from '../../examples/rules/catalog.json'
import { admin, get, json, post, track, uniqueId, WRITE_KEY, basic } from './helpers.ts'
import { anonymousProfile } from '../../rules/index.ts'

/** The catalog plus one tag over an existing metric, so the other tests' tags stay the same. */
const withLoyal = JSON.stringify({
  ...catalog,
  tags: {
    ...catalog.tags,
    loyal_buyer: {
      name: 'Loyal buyer',
      description: 'Two orders or more.',
      when: { '>=': [{ var: 'metrics.orders_lifetime' }, 2] },
    },
  },
})

const put = (body: string, headers: Record<string, string> = {}) =>
  admin('/v1/rules', {
    method: 'PUT',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  })

interface Published {
  status: string
  version: string
  previous: string
}

afterAll(async () => {
  // Back to the default document (its version is the bundled one's).
  expect((await put(JSON.stringify(catalog), { 'if-match': '*' })).status).toBe(200)
})

describe('PUT /v1/rules', () => {
  it('rejects an invalid document with every problem as {path, message}', async () => {
    const broken = {
      ...catalog,
      tags: {
        ...catalog.tags,
        a_tag: { when: { '>': [{ var: 'metrics.no_such_metric' }, 1] } },
        b_tag: { when: { nope: [1] } },
      },
    }
    const response = await put(JSON.stringify(broken))
    expect(response.status).toBe(400)
    const body = await json<{ error: string; problems: { path: string; message: string }[] }>(
      response,
    )
    expect(body.problems.length).toBeGreaterThanOrEqual(2)
    expect(body.problems.map((p) => p.path)).toEqual(
      expect.arrayContaining([expect.stringContaining('a_tag'), expect.stringContaining('b_tag')]),
    )
    expect(body.error).toContain('problem')
    const notJson = await json<{ problems: { path: string; message: string }[] }>(await put('{'))
    expect(notJson.problems[0]!.message).toContain('not valid JSON')
  })

  it('publishes a version: GET /v1/rules serves it, versions list it, a stale If-Match gets 412', async () => {
    const before = (await get('/v1/rules')).headers.get('etag')!
    const response = await put(withLoyal, { 'if-match': before })
    expect(response.status).toBe(200)
    const published = await json<Published>(response)
    expect(published).toMatchObject({ status: 'published', previous: before.slice(1, -1) })
    expect(response.headers.get('etag')).toBe(`"${published.version}"`)

    const served = await get('/v1/rules')
    expect(served.headers.get('etag')).toBe(`"${published.version}"`)
    expect(await served.text()).toBe(withLoyal)

    const versions = await json<{ active: string; versions: { version: string }[] }>(
      await admin('/v1/rules/versions'),
    )
    expect(versions.active).toBe(published.version)
    expect(versions.versions[0]!.version).toBe(published.version)

    const stale = await put(JSON.stringify(catalog), { 'if-match': before })
    expect(stale.status).toBe(412)
    expect(stale.headers.get('etag')).toBe(`"${published.version}"`)
    expect((await json(stale)).error).toContain('If-Match')
    // The same document, whitespace aside, is the same version.
    const pretty = JSON.stringify(JSON.parse(withLoyal), null, 2)
    const again = await put(pretty, { 'if-match': `"${published.version}"` })
    expect(await json<Published>(again)).toMatchObject({ status: 'unchanged' })
  })

  it('needs the adminKey', async () => {
    const response = await admin('/v1/rules', {
      method: 'PUT',
      body: withLoyal,
      headers: { authorization: basic(WRITE_KEY) },
    })
    expect(response.status).toBe(401)
    expect((await admin('/v1/rules/versions', { headers: { authorization: '' } })).status).toBe(401)
  })

  it('profiles pick up a new version on their next event, keeping unchanged metrics', async () => {
    const anon = uniqueId('a')
    const now = Date.now()
    const order = (ms: number) =>
      track(anon, 'Order Completed', ms, { properties: { revenue: 10 } })
    await put(JSON.stringify(catalog), { 'if-match': '*' })
    await post('/v1/batch', { batch: [order(now - 3000), order(now - 2000)] })
    expect((await put(withLoyal, { 'if-match': '*' })).status).toBe(200)
    const next = await json(await post('/v1/batch', { batch: [track(anon, 'X', now - 1000)] }))
    expect(next.tags).toMatchObject({ loyal_buyer: true })
    const view = await json<{ metrics: Record<string, unknown>; rulesVersion: string }>(
      await admin(`/v1/profiles/${anonymousProfile(anon)}`),
    )
    expect(view.metrics).toMatchObject({ orders_lifetime: 2 })
  })
})
