// @vitest-environment node
// The Alipay adapter (`tagwise/miniprogram/alipay`) against the fake `my` of fake-runtime.ts,
// where Alipay differs from WeChat: `headers` and `status`; HTTP statuses outside 2xx through
// `fail` (error 19) with the answer; a body that is not JSON failing `dataType: 'json'`;
// storage taking `{ key, data }` and returning its refusals (200 KB per key) instead of throwing;
// no query on `getCurrentPages()` entries; no secure random source.
import { describe, expect, it } from 'vitest'
import { createTagwise, type AlipayOptions } from '../../sdk/alipay.ts'
import { CATALOG, fakeCollector, type Collector } from './fake-collector.ts'
import {
  ALIPAY_KEY_LIMIT,
  TOTAL_LIMIT,
  fakeRuntime,
  fakeStorage,
  type FakeStorage,
} from './fake-runtime.ts'
import { miniprogramTestClock } from './miniprogram-harness.ts'

const ENDPOINT = 'https://collect.test'
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const { runtimes, tick, flush } = miniprogramTestClock()
let counter = 0
const freshKey = () => `ali-${++counter}`

/** An Alipay app: `app.js` creates tagwise, pages call `Page()` and can share. */
function boot(
  collector: Collector,
  options: Partial<AlipayOptions> & { storage?: FakeStorage } = {},
) {
  const { storage, ...rest } = options
  const rt = fakeRuntime('my', { server: collector.server, ...(storage ? { storage } : {}) })
  runtimes.push(rt)
  const tw = createTagwise({ writeKey: freshKey(), endpoint: ENDPOINT, rules: CATALOG, ...rest })
  ;(globalThis as any).App({})
  for (const route of ['home/index', 'coupon/index', 'checkout/cart'])
    rt.definePage(route, {
      claim(e: { target: { dataset: { id: string } } }) {
        tw.track('Coupon Claimed', { coupon_id: e.target.dataset.id })
      },
      onShareAppMessage: () => ({ title: 'Trip', path: `/${route}?ref=share` }),
    })
  return { rt, tw }
}

const journey = (events: any[]) =>
  events
    .filter((e) => e.type === 'screen' || e.event === 'Page Left' || e.event === 'Share')
    .map((e) => (e.type === 'screen' ? ['screen', e.name, e.properties] : [e.event, e.properties]))

describe('Alipay pages', () => {
  it('sends screens with the query from onLoad, Page Left and Share', async () => {
    const collector = fakeCollector()
    const { rt, tw } = boot(collector)
    rt.launch('/home/index?utm_source=alipay')
    expect((globalThis as any).getCurrentPages()[0].options).toBeUndefined()
    await tick(1000)
    rt.navigateTo('/coupon/index?id=c1')
    rt.page!.claim({ target: { dataset: { id: 'c1' } } })
    rt.share('menu')
    await tick(2000)
    rt.navigateBack()
    await tick(3000)
    rt.redirectTo('/checkout/cart')
    await flush(tw)
    await tick(2500)
    expect(journey(collector.acked())).toEqual([
      ['screen', 'home/index', { path: '/home/index', query: { utm_source: 'alipay' } }],
      ['Page Left', { path: '/home/index', dwell_ms: 1000 }],
      ['screen', 'coupon/index', { path: '/coupon/index', query: { id: 'c1' } }],
      [
        'Share',
        {
          path: '/coupon/index',
          channel: 'message',
          from: 'menu',
          share_path: '/coupon/index?ref=share',
        },
      ],
      ['Page Left', { path: '/coupon/index', dwell_ms: 2000 }],
      ['screen', 'home/index', { path: '/home/index', query: { utm_source: 'alipay' } }],
      ['Page Left', { path: '/home/index', dwell_ms: 3000 }],
      ['screen', 'checkout/cart', { path: '/checkout/cart', query: {} }],
    ])
    expect(tw.has('coupon_claimer')).toBe(true)
  })
})

describe('Alipay requests', () => {
  it('sends the write key in `headers` and reads answers from `status` and `headers`', async () => {
    const collector = fakeCollector()
    collector.state.tags = { lifecycle_stage: 'loyal' }
    const { rt, tw } = boot(collector, { rules: 'remote' })
    rt.launch('/home/index')
    await tick(500)
    await tw.ready
    await tick(500)
    const read = rt.requests.find((r) => r.path === '/v1/tags')!
    expect(read.header.authorization).toMatch(/^Basic /)
    expect(tw.value('lifecycle_stage')).toBe('loyal')
  })

  it('takes statuses outside 2xx from `fail` as answers: retries a 503, splits a 413, drops a 400', async () => {
    const collector = fakeCollector()
    collector.reply(
      { status: 503, headers: { 'Retry-After': '5' } },
      { status: 413 },
      { status: 400, body: { error: 'bad' } },
    )
    const { rt, tw } = boot(collector)
    rt.launch('/home/index')
    tw.track('Product Viewed', { category: 'luggage' })
    await tick(2100)
    expect(collector.batches.map((b) => b.outcome)).toEqual([503])
    await tick(4800)
    expect(collector.batches).toHaveLength(1) // waits the 5 s the server asked for
    await tick(400)
    // 413: the same two events again, one per batch; the first half is refused (400) and dropped.
    await tick(2000)
    expect(collector.batches.map((b) => [b.outcome, b.body.batch.length])).toEqual([
      [503, 2],
      [413, 2],
      [400, 1],
      [200, 1],
    ])
    expect(collector.acked().map((e) => e.event ?? e.name)).toEqual(['Product Viewed'])
    expect(tw.queued().events).toBe(0)
  })

  it('keeps a batch a 200 not from the collector answered (a captive portal) and sends it again', async () => {
    // Alipay's JSON dataType would fail such a body (error 14); the adapter reads the text, and
    // only the collector's answer acknowledges (sdk/core/transport.ts).
    const collector = fakeCollector()
    collector.reply({ status: 200, body: '<html>Wi-Fi login</html>' })
    const { rt, tw } = boot(collector)
    rt.launch('/home/index')
    await flush(tw)
    await tick(5000)
    expect(collector.batches.map((b) => b.outcome)).toEqual([200, 200])
    const ids = (index: number) =>
      (collector.batches[index]!.body.batch as { messageId: string }[]).map((e) => e.messageId)
    expect(ids(1)).toEqual(expect.arrayContaining(ids(0)))
    expect(tw.queued().events).toBe(0)
  })

  it('retries after no network and a timeout (Alipay errors 12 and 13)', async () => {
    const collector = fakeCollector()
    collector.reply('fail', 'hang')
    const { rt, tw } = boot(collector)
    rt.launch('/home/index')
    await tick(2100)
    expect(collector.batches.map((b) => b.outcome)).toEqual(['fail'])
    await tick(2000)
    await tick(10_000)
    expect(collector.batches.map((b) => b.outcome).slice(0, 2)).toEqual(['fail', 'timeout'])
    await flush(tw)
    await tick(10_000)
    expect(collector.acked()).toHaveLength(1)
  })
})

describe('Alipay storage and ids', () => {
  it('keeps the queue in `my` storage across a restart, under 200 KB per key', async () => {
    const storage = fakeStorage()
    const writeKey = freshKey()
    const first = boot(fakeCollector(), { writeKey, storage, maxQueue: 1000 })
    first.rt.setOnline(false)
    first.rt.launch('/home/index')
    const note = 'x'.repeat(2000)
    for (let i = 0; i < 150; i++) first.tw.track('Product Viewed', { note, i })
    await tick(100)
    const stored = storage.items.get(`${writeKey}:queue`)!
    expect(Buffer.byteLength(stored)).toBeLessThanOrEqual(ALIPAY_KEY_LIMIT)
    const persisted = storage.read(`${writeKey}:queue`)
    expect(persisted.items.length).toBeGreaterThan(50)
    expect(persisted.items.at(-1).properties.i).toBe(149)
    const anonymousId = first.tw.user().anonymousId
    first.rt.kill()

    const up = fakeCollector()
    const second = boot(up, { writeKey, storage })
    second.rt.launch('/home/index')
    await second.tw.ready
    expect(second.tw.user().anonymousId).toBe(anonymousId)
    await flush(second.tw)
    await tick(30_000)
    expect(up.acked()).toHaveLength(persisted.items.length + 1)
  })

  it('keeps the newest part of the queue when the 10 MB are nearly full (`setStorageSync` returns error 12)', async () => {
    const storage = fakeStorage()
    const writeKey = freshKey()
    storage.items.set('app:big', JSON.stringify('x'.repeat(TOTAL_LIMIT - 60_000)))
    const collector = fakeCollector()
    const { rt, tw } = boot(collector, { writeKey, storage })
    rt.setOnline(false)
    rt.launch('/home/index')
    const note = 'x'.repeat(2000)
    for (let i = 0; i < 60; i++) tw.track('Product Viewed', { note, i })
    await tick(100)
    const persisted = storage.read(`${writeKey}:queue`)
    expect(persisted.items.length).toBeGreaterThan(0)
    expect(persisted.items.length).toBeLessThan(61)
    expect(persisted.items.at(-1).properties.i).toBe(59)
    rt.setOnline(true)
    await flush(tw)
    await tick(30_000)
    expect(collector.acked()).toHaveLength(61)
  })

  it('makes ids without a secure random source, without waiting', async () => {
    const { rt, tw } = boot(fakeCollector())
    rt.launch('/home/index')
    await tw.ready
    expect(tw.user().anonymousId).toMatch(UUID)
    expect(rt.api.getRandomValues).toBeUndefined()
  })

  it('returns an instance that does nothing when there is no `my`', () => {
    const tw = createTagwise({ writeKey: 'k', endpoint: ENDPOINT })
    expect(tw.user()).toEqual({ anonymousId: '', sessionId: '' })
  })
})
