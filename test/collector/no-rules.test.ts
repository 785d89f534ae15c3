/// <reference types="vite/client" />
// A fresh deployment: nothing published (test/collector/setup.ts publishes the example catalog for
// every other file). The collector ships no rules: it serves the empty document at version "0",
// stores events and answers empty tags until its owner publishes some.
import { describe, expect, it } from 'vitest'
import catalog from '../../examples/rules/catalog.json'
import { checkRules, devicePlan, type RulesDocument } from '../../rules/index.ts'
import { admin, get, json, post, track, uniqueId } from './helpers.ts'
import { anonymousProfile } from '../../rules/index.ts'

const EMPTY = { version: 1, metrics: {}, tags: {} }

const collectorSources = import.meta.glob<string>('../../collector/**/*.ts', {
  query: '?raw',
  import: 'default',
  eager: true,
})

describe('a collector with no rules published', () => {
  it('serves the empty rules document at version "0", and its device plan to the SDK', async () => {
    const response = await get('/v1/rules')
    expect(response.status).toBe(200)
    expect(response.headers.get('etag')).toBe('"0"')
    const document = await response.json()
    expect(document).toEqual(EMPTY)
    expect(checkRules(JSON.stringify(document)).ok).toBe(true)
    expect((await get('/v1/rules', { 'if-none-match': '"0"' })).status).toBe(304)

    const device = await get('/v1/rules?device=1')
    expect(device.headers.get('etag')).toBe('"0-device2"')
    const { device: plan, ...rest } = (await device.json()) as Record<string, unknown>
    expect(rest).toEqual(EMPTY)
    expect(plan).toEqual(devicePlan(EMPTY as RulesDocument))
  })

  it('stores events and answers empty tags', async () => {
    const anon = uniqueId('a')
    const now = Date.now()
    const order = track(anon, 'Order Completed', now - 1000, { properties: { revenue: 500 } })
    const body = await json(await post('/v1/batch', { batch: [order] }))
    expect(body).toMatchObject({ success: true, accepted: 1, rejected: [], tags: {} })
    expect(await json(await get(`/v1/tags?anonymousId=${anon}`))).toMatchObject({
      tags: {},
      rulesVersion: '0',
    })
    const view = await json<{ events: { messageId: string }[]; rulesVersion: string }>(
      await admin(`/v1/profiles/${anonymousProfile(anon)}`),
    )
    expect(view.events.map((event) => event.messageId)).toEqual([order.messageId])
    expect(view.rulesVersion).toBe('0')
  })

  it('lists no versions; If-Match: "0" publishes only while nothing is published', async () => {
    expect(await json(await admin('/v1/rules/versions'))).toEqual({ active: '0', versions: [] })
    const put = () =>
      admin('/v1/rules', {
        method: 'PUT',
        body: JSON.stringify(catalog),
        headers: { 'if-match': '"0"' },
      })
    const first = await put()
    expect(first.status).toBe(200)
    expect(await json(first)).toMatchObject({ status: 'published', previous: '0' })
    expect((await put()).status).toBe(412)
  })
})

describe('the collector source', () => {
  it('ships no example rules: nothing in collector/ imports examples/', () => {
    expect(Object.keys(collectorSources).length).toBeGreaterThan(40)
    const importsExamples = Object.entries(collectorSources)
      .filter(([, text]) => /from\s+['"][^'"]*\/examples\//.test(text))
      .map(([path]) => path)
    expect(importsExamples).toEqual([])
  })

  it('uses the rules engine only through its public entry, rules/index.ts', () => {
    // Resolved against the repository root, so collector/rules/ (the collector's own) is not the engine.
    const root = new URL('../../', import.meta.url)
    const deepImports = Object.entries(collectorSources).flatMap(([path, text]) => {
      const file = new URL(path, import.meta.url)
      return [...text.matchAll(/(?:from|import)\s+['"](\.[^'"]+)['"]/g)]
        .map((match) => new URL(match[1]!, file).href.slice(root.href.length))
        .filter((target) => target.startsWith('rules/') && target !== 'rules/index.ts')
        .map((target) => `${path} imports ${target}`)
    })
    expect(deepImports).toEqual([])
  })
})
