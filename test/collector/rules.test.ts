import { describe, expect, it } from 'vitest'
import catalog from '../../examples/rules/catalog.json'
import { devicePlan, type RulesDocument } from '../../rules/index.ts'
import { get, json } from './helpers.ts'

describe('GET /v1/rules', () => {
  it('serves the active rules document with an ETag', async () => {
    const response = await get('/v1/rules')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toContain('application/json')
    expect(response.headers.get('etag')).toMatch(/^"[0-9a-f]{16}"$/)
    expect(await response.json()).toEqual(catalog)
  })

  it('answers 304 with no body when If-None-Match has the current ETag', async () => {
    const etag = (await get('/v1/rules')).headers.get('etag')!
    for (const header of [etag, `W/${etag}`, `"old", ${etag}`, '*']) {
      const response = await get('/v1/rules', { 'if-none-match': header })
      expect(response.status, header).toBe(304)
      expect(response.headers.get('etag')).toBe(etag)
      expect(await response.text()).toBe('')
    }
    const stale = await get('/v1/rules', { 'if-none-match': '"0000"' })
    expect(stale.status).toBe(200)
  })

  it('adds the device plan for ?device=1, under an ETag of its own', async () => {
    const plain = (await get('/v1/rules')).headers.get('etag')!
    const response = await get('/v1/rules?device=1')
    expect(response.status).toBe(200)
    const etag = response.headers.get('etag')!
    expect(etag).toBe(`${plain.slice(0, -1)}-device2"`)
    const { device, ...document } = (await response.json()) as Record<string, unknown>
    expect(document).toEqual(catalog)
    expect(device).toEqual(devicePlan(catalog as unknown as RulesDocument))
    expect((await get('/v1/rules?device=1', { 'if-none-match': etag })).status).toBe(304)
    // The plain document's tag does not revalidate the device form, nor the other way round.
    expect((await get('/v1/rules?device=1', { 'if-none-match': plain })).status).toBe(200)
    expect((await get('/v1/rules', { 'if-none-match': etag })).status).toBe(200)
    // A plan cached in an older format (no `rare` flag) is sent again, now with the flag.
    const older = `${plain.slice(0, -1)}-device"`
    expect((await get('/v1/rules?device=1', { 'if-none-match': older })).status).toBe(200)
    expect(device).toMatchObject({ rare: false })
  })

  it('needs a writeKey', async () => {
    const response = await get('/v1/rules', { authorization: '' })
    expect(response.status).toBe(401)
    expect((await json(response)).error).toContain('missing writeKey')
  })
})
