// Versions and rollback (issue 20): any published version can be read back and published again in
// one call, as the dashboard's rollback does.
import { afterAll, describe, expect, it } from 'vitest'
import catalog from '../../examples/rules/catalog.json'
import { admin, get, json } from './helpers.ts'

const put = (document: unknown) =>
  admin('/v1/rules', {
    method: 'PUT',
    body: JSON.stringify(document),
    headers: { 'content-type': 'application/json', 'if-match': '*' },
  })
const rollback = (body: unknown, headers: Record<string, string> = {}) =>
  admin('/v1/rules/rollback', {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...headers },
  })
const activeVersion = async () => (await get('/v1/rules')).headers.get('etag')

interface Published {
  status: string
  version: string
  previous: string
}

afterAll(async () => {
  expect((await put(catalog)).status).toBe(200)
})

describe('rules versions and rollback', () => {
  it('reads a published version back and publishes it again', async () => {
    const first = await json<Published>(await put(catalog))
    const changed = {
      ...catalog,
      tags: { ...catalog.tags, rollback_probe: { when: { '>=': [1, 0] } } },
    }
    const second = await json<Published>(await put(changed))
    expect(second.version).not.toBe(first.version)
    expect(await activeVersion()).toBe(`"${second.version}"`)

    const old = await admin(`/v1/rules/versions/${first.version}`)
    expect(old.status).toBe(200)
    expect(old.headers.get('etag')).toBe(`"${first.version}"`)
    expect(await old.json()).toEqual(JSON.parse(JSON.stringify(catalog)))

    const back = await rollback({ version: first.version })
    expect(back.status).toBe(200)
    expect(await json<Published>(back)).toMatchObject({
      status: 'published',
      version: first.version,
      previous: second.version,
    })
    expect(await activeVersion()).toBe(`"${first.version}"`)
    const rules = await json<{ tags: Record<string, unknown> }>(await get('/v1/rules'))
    expect(rules.tags).not.toHaveProperty('rollback_probe')
    // The list shows the rollback as the latest publication; rolling back to it changes nothing.
    const { versions } = await json<{ versions: { version: string }[] }>(
      await admin('/v1/rules/versions'),
    )
    expect(versions[0]!.version).toBe(first.version)
    expect(await json<Published>(await rollback({ version: first.version }))).toMatchObject({
      status: 'unchanged',
    })
  })

  it('names what is wrong: an unknown version, a bad body, a stale If-Match', async () => {
    const unknown = await rollback({ version: 'ffffffffffffffff' })
    expect(unknown.status).toBe(404)
    expect((await json(unknown)).error).toContain('GET /v1/rules/versions lists them')
    expect((await admin('/v1/rules/versions/ffffffffffffffff')).status).toBe(404)
    for (const body of [{}, { version: 3 }, [], 'x']) {
      const bad = await rollback(body)
      expect(bad.status).toBe(400)
      expect((await json(bad)).error).toContain('{"version"')
    }
    const { version } = await json<Published>(await put(catalog))
    const stale = await rollback({ version }, { 'if-match': '"0123456789abcdef"' })
    expect(stale.status).toBe(412)
    const anonymous = await admin('/v1/rules/rollback', {
      method: 'POST',
      body: JSON.stringify({ version }),
      headers: { authorization: '' },
    })
    expect(anonymous.status).toBe(401)
  })
})
