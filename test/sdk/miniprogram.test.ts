// @vitest-environment node
// The mini-program adapter against the fake runtime of fake-runtime.ts: what a mini-program's pages
// send, how the queue survives failures and restarts, and that tags behave as in the browser.
import { describe, expect, it, vi } from 'vitest'
import { createTagwise as createBrowserTagwise } from '../../sdk/index.ts'
import { createTagwise, type MiniprogramOptions, type Tagwise } from '../../sdk/miniprogram.ts'
import { CATALOG, fakeCollector, type Collector } from './fake-collector.ts'
import { KEY_LIMIT, TOTAL_LIMIT, fakeStorage, fakeWx, type FakeStorage } from './fake-runtime.ts'
import { miniprogramTestClock } from './miniprogram-harness.ts'

const ENDPOINT = 'https://collect.test'
const ROUTES = ['home/index', 'coupon/index', 'checkout/cart', 'visa/index']

const { runtimes, tick, flush } = miniprogramTestClock()
let counter = 0
const freshKey = () => `mp-${++counter}`

/**
 * Starts an app as a mini-program does: `app.js` creates tagwise and calls `App()`, then each page
 * file calls `Page()`. Pages track `Coupon Claimed` from a tap handler and can share.
 */
function boot(
  collector: Collector,
  options: Partial<MiniprogramOptions> & { storage?: FakeStorage } = {},
) {
  const { storage, ...rest } = options
  const rt = fakeWx({ server: collector.server, ...(storage ? { storage } : {}) })
  runtimes.push(rt)
  const tw = createTagwise({ writeKey: 'k', endpoint: ENDPOINT, rules: CATALOG, ...rest })
  ;(globalThis as any).App({ globalData: { tw } })
  for (const route of ROUTES)
    rt.definePage(route, {
      data: { banner: false },
      claim(this: any, e: { currentTarget: { dataset: { id: string } } }) {
        tw.track('Coupon Claimed', { coupon_id: e.currentTarget.dataset.id })
      },
      onShareAppMessage: () => ({ title: 'Trip', path: `/${route}?ref=share` }),
    })
  return { rt, tw }
}

const screens = (events: any[]) =>
  events.filter((e) => e.type === 'screen' || e.event === 'Page Left')

describe('screens', () => {
  it('sends a screen with the route and query on launch, navigateTo, redirectTo and navigateBack', async () => {
    const collector = fakeCollector()
    const { rt, tw } = boot(collector)
    rt.launch('/home/index?utm_source=wechat')
    await tick(1000)
    rt.navigateTo('/coupon/index?id=c1')
    await tick(2000)
    rt.redirectTo('/checkout/cart')
    await tick(3000)
    rt.navigateBack()
    await flush(tw)
    await tick(2500)
    expect(
      screens(collector.acked()).map((e) =>
        e.type === 'screen' ? ['screen', e.name, e.properties] : ['left', e.properties],
      ),
    ).toEqual([
      ['screen', 'home/index', { path: '/home/index', query: { utm_source: 'wechat' } }],
      ['left', { path: '/home/index', dwell_ms: 1000 }],
      ['screen', 'coupon/index', { path: '/coupon/index', query: { id: 'c1' } }],
      ['left', { path: '/coupon/index', dwell_ms: 2000 }],
      ['screen', 'checkout/cart', { path: '/checkout/cart', query: {} }],
      ['left', { path: '/checkout/cart', dwell_ms: 3000 }],
      ['screen', 'home/index', { path: '/home/index', query: { utm_source: 'wechat' } }],
    ])
    const revisit = collector.acked().at(-1)
    expect(revisit.context.page).toMatchObject({ path: '/home/index', referrer: '/checkout/cart' })
    expect(revisit.context.library.name).toBe('tagwise')
  })

  it('tracks what a page tracks in onShow on that page, and keeps the page’s own hooks working', async () => {
    const collector = fakeCollector()
    const rt = fakeWx({ server: collector.server })
    runtimes.push(rt)
    const tw = createTagwise({ writeKey: freshKey(), endpoint: ENDPOINT, rules: CATALOG })
    ;(globalThis as any).App({})
    const shown: string[] = []
    rt.definePage('visa/index', {
      onShow(this: any) {
        shown.push(this.route)
        tw.track('Product Viewed', { category: 'visas' })
      },
    })
    rt.launch('/visa/index')
    await flush(tw)
    await tick(2500)
    expect(shown).toEqual(['visa/index'])
    const [screen, viewed] = collector.acked()
    expect(screen.type).toBe('screen')
    expect(viewed.context.page.path).toBe('/visa/index')
  })

  it('pauses dwell while the app is in the background', async () => {
    const collector = fakeCollector()
    const { rt, tw } = boot(collector)
    rt.launch('/checkout/cart')
    await tick(4000)
    rt.background()
    await tick(60_000)
    rt.foreground()
    await tick(3000)
    rt.navigateTo('/home/index')
    await flush(tw)
    await tick(2500)
    const left = collector.acked().filter((e) => e.event === 'Page Left')
    expect(left.map((e) => e.properties)).toEqual([{ path: '/checkout/cart', dwell_ms: 7000 }])
    // Coming back from the background is the same visit: no second screen.
    expect(collector.acked().filter((e) => e.type === 'screen')).toHaveLength(2)
  })

  it('flips checkout_hesitant after 10 s of foreground time on /checkout/**, with no event', async () => {
    const { rt, tw } = boot(fakeCollector())
    rt.launch('/checkout/cart')
    await tw.ready
    await tick(6000)
    rt.background()
    await tick(120_000)
    expect(tw.has('checkout_hesitant')).toBe(false)
    rt.foreground()
    await tick(3999)
    expect(tw.has('checkout_hesitant')).toBe(false)
    await tick(2)
    expect(tw.has('checkout_hesitant')).toBe(true)
  })

  it('flushes when the app goes to the background', async () => {
    const collector = fakeCollector()
    const { rt } = boot(collector, { flushInterval: 60_000 })
    rt.launch('/home/index')
    await tick(100)
    expect(collector.batches).toHaveLength(0)
    rt.background()
    await tick(100)
    expect(collector.acked().map((e) => e.type)).toEqual(['screen'])
  })

  it('starts a new session and a new visit after a session timeout in the background', async () => {
    const collector = fakeCollector()
    const { rt, tw } = boot(collector)
    rt.launch('/home/index')
    await tw.ready
    const first = tw.user().sessionId
    await tick(5000)
    rt.background()
    await tick(31 * 60_000)
    rt.foreground()
    await flush(tw)
    await tick(2500)
    expect(tw.user().sessionId).not.toBe(first)
    const last = collector.acked().at(-1)
    expect(last).toMatchObject({ type: 'screen', name: 'home/index' })
    expect(last.context.sessionId).toBe(tw.user().sessionId)
    const left = collector.acked().find((e) => e.event === 'Page Left')
    expect(left.properties).toEqual({ path: '/home/index', dwell_ms: 5000 })
  })

  it('tracks Share with the page and the shared path, only where the page can share', async () => {
    const collector = fakeCollector()
    const { rt, tw } = boot(collector)
    rt.definePage('plain/index', {})
    rt.launch('/coupon/index')
    expect(rt.share('button')).toEqual({ title: 'Trip', path: '/coupon/index?ref=share' })
    rt.navigateTo('/plain/index')
    expect(rt.page!.onShareAppMessage).toBeUndefined()
    await flush(tw)
    await tick(2500)
    const share = collector.acked().find((e) => e.event === 'Share')
    expect(share.properties).toEqual({
      path: '/coupon/index',
      channel: 'message',
      from: 'button',
      share_path: '/coupon/index?ref=share',
    })
  })
})

describe('queue', () => {
  it('keeps the queue in storage while offline and sends it after an app restart', async () => {
    const storage = fakeStorage()
    const writeKey = freshKey()
    const down = fakeCollector()
    const first = boot(down, { writeKey, storage })
    first.rt.setOnline(false)
    first.rt.launch('/coupon/index')
    first.rt.page!.claim({ currentTarget: { dataset: { id: 'c1' } } })
    await tick(10_000)
    const anonymousId = first.tw.user().anonymousId
    expect(storage.read(`${writeKey}:queue`).items).toHaveLength(2)
    first.rt.kill()

    const up = fakeCollector()
    const second = boot(up, { writeKey, storage })
    second.rt.launch('/home/index')
    await second.tw.ready
    expect(second.tw.user().anonymousId).toBe(anonymousId)
    expect(second.tw.has('coupon_claimer')).toBe(true) // restored device state, no request needed
    await flush(second.tw)
    await tick(2500)
    const events = up.acked()
    expect(events.map((e) => e.event ?? e.name)).toEqual([
      'coupon/index',
      'Coupon Claimed',
      'home/index',
    ])
    expect(new Set(events.map((e) => e.messageId)).size).toBe(events.length)
    expect(storage.read(`${writeKey}:queue`).items).toEqual([])
  })

  it('keeps the events of an app killed before it was ready, and sends them after a restart', async () => {
    // A first launch waits up to 3 s for the rules; an app sent to the background and killed
    // then lost the events it had made (the browser keeps them in localStorage).
    const storage = fakeStorage()
    const writeKey = freshKey()
    const slow = fakeCollector()
    const rulesHang = {
      ...slow,
      server: (request: Parameters<Collector['server']>[0]) =>
        request.path === '/v1/rules' ? ('hang' as const) : slow.server(request),
    }
    const first = boot(rulesHang, { writeKey, storage, rules: 'remote' })
    first.rt.launch('/coupon/index')
    first.rt.page!.claim({ currentTarget: { dataset: { id: 'c1' } } })
    await tick(500)
    first.rt.background()
    first.rt.kill()

    const up = fakeCollector()
    const second = boot(up, { writeKey, storage })
    second.rt.launch('/home/index')
    await second.tw.ready
    await flush(second.tw)
    await tick(2500)
    expect(up.acked().map((e) => e.event ?? e.name)).toEqual([
      'coupon/index',
      'Coupon Claimed',
      'home/index',
    ])
  })

  it('keeps events on HTTP 500 (unlike sa-sdk-miniprogram) and removes them only when acknowledged', async () => {
    const storage = fakeStorage()
    const writeKey = freshKey()
    const collector = fakeCollector()
    collector.reply({ status: 500 }, { status: 503, headers: { 'Retry-After': '5' } })
    const { rt, tw } = boot(collector, { writeKey, storage })
    rt.launch('/home/index')
    tw.track('Product Viewed', { category: 'luggage' })
    await tick(2100) // first send: 500
    expect(collector.batches.map((b) => b.outcome)).toEqual([500])
    expect(storage.read(`${writeKey}:queue`).items).toHaveLength(2)
    while (collector.batches[1]?.outcome === undefined) await tick(50) // backoff, then 503
    expect(collector.batches.map((b) => b.outcome)).toEqual([500, 503])
    await tick(4900)
    expect(collector.batches).toHaveLength(2) // waits the 5 s the server asked for
    await tick(200)
    expect(collector.batches.map((b) => b.outcome)).toEqual([500, 503, 200])
    expect(storage.read(`${writeKey}:queue`).items).toEqual([])
    // The same two events each time, acknowledged once.
    const ids = collector.batches.map((b) => b.body.batch.map((e: any) => e.messageId))
    expect(ids[0]).toEqual(ids[2])
    expect(collector.acked()).toHaveLength(2)
  })

  it('retries after fail and timeouts without sending an acknowledged event again', async () => {
    const collector = fakeCollector()
    collector.reply('fail', 'hang')
    const { rt, tw } = boot(collector)
    rt.launch('/home/index')
    await tick(2100)
    expect(collector.batches.map((b) => b.outcome)).toEqual(['fail'])
    await tick(2000)
    expect(collector.batches.map((b) => b.outcome)).toEqual(['fail', undefined])
    await tick(10_000) // the adapter's request timeout
    expect(collector.batches.map((b) => b.outcome).slice(0, 2)).toEqual(['fail', 'timeout'])
    tw.track('Coupon Claimed', { coupon_id: 'c2' })
    await tick(10_000)
    await flush(tw)
    await tick(5000)
    const acked = collector.acked().map((e) => e.messageId)
    expect(acked).toHaveLength(2)
    expect(new Set(acked).size).toBe(2)
    expect(collector.batches.at(-1)!.outcome).toBe(200)
    expect(rt.maxInFlight).toBeLessThanOrEqual(3)
  })

  it('sends the writeKey as HTTP Basic without btoa, and the ids in the tags query without URLSearchParams', async () => {
    const collector = fakeCollector()
    const writeKey = freshKey()
    const { rt, tw } = boot(collector, { writeKey, rules: 'remote' })
    tw.identify('u 1')
    await tick(100)
    await tw.ready
    await tick(100)
    const tags = rt.requests.find((r) => r.path === '/v1/tags')!
    expect(tags.header.authorization).toBe(
      `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
    )
    expect(tags.url).toContain(`anonymousId=${tw.user().anonymousId}`)
    expect(tags.url).toContain('userId=u%201')
  })

  it('keeps the userHash with the userId in wx storage, sends it on events and tag reads after a restart', async () => {
    const storage = fakeStorage()
    const writeKey = freshKey()
    const collector = fakeCollector()
    const first = boot(collector, { writeKey, storage })
    first.rt.launch('/home/index')
    await first.tw.ready
    first.tw.identify('u 1', { vip: true }, { userHash: 'hash-u1' })
    first.tw.track('Product Viewed', { category: 'luggage' })
    await flush(first.tw)
    expect(collector.acked().map((e) => [e.userId, e.context.userHash])).toEqual([
      [undefined, undefined],
      ['u 1', 'hash-u1'],
      ['u 1', 'hash-u1'],
    ])
    expect(storage.read(`${writeKey}:user`)).toMatchObject({ userId: 'u 1', userHash: 'hash-u1' })
    first.rt.kill()

    const second = boot(collector, { writeKey, storage })
    second.rt.launch('/home/index')
    await tick(100)
    await second.tw.ready
    await tick(100)
    const read = second.rt.requests.find((r) => r.path === '/v1/tags')!
    expect(read.url).toContain('userId=u%201&userHash=hash-u1')
    second.tw.reset()
    second.tw.track('After log-out')
    await flush(second.tw)
    expect(collector.acked().at(-1)!.context).not.toHaveProperty('userHash')
  })
})

describe('storage', () => {
  it('keeps the persisted queue under the 1 MB per key limit, and still sends every event', async () => {
    const storage = fakeStorage()
    const writeKey = freshKey()
    const collector = fakeCollector()
    const { rt, tw } = boot(collector, { writeKey, storage, maxQueue: 1000 })
    rt.setOnline(false)
    rt.launch('/home/index')
    const note = '旅'.repeat(2000) // 6 KB of UTF-8 per event
    for (let i = 0; i < 300; i++) tw.track('Product Viewed', { category: 'luggage', note, i })
    await tick(100)
    const stored = storage.items.get(`${writeKey}:queue`)!
    expect(Buffer.byteLength(stored)).toBeLessThanOrEqual(KEY_LIMIT)
    const persisted = storage.read(`${writeKey}:queue`)
    expect(persisted.items.length).toBeGreaterThan(100)
    expect(persisted.items.at(-1).properties.i).toBe(299) // the newest are kept
    expect(persisted.dropped).toBe(301 - persisted.items.length)
    rt.setOnline(true)
    await flush(tw)
    await tick(30_000)
    expect(collector.acked()).toHaveLength(301)
  })

  it('keeps working when the 10 MB of storage are full', async () => {
    const storage = fakeStorage()
    storage.items.set('app:big', JSON.stringify('x'.repeat(TOTAL_LIMIT - 20)))
    const collector = fakeCollector()
    const { rt, tw } = boot(collector, { storage })
    rt.launch('/coupon/index')
    tw.track('Coupon Claimed', { coupon_id: 'c1' })
    expect(tw.has('coupon_claimer')).toBe(false) // not ready yet: applied once ready
    await tw.ready
    expect(tw.has('coupon_claimer')).toBe(true)
    await flush(tw)
    await tick(2500)
    expect(collector.acked()).toHaveLength(2)
  })

  it('tolerates corrupted data under its keys', async () => {
    const storage = fakeStorage()
    const writeKey = freshKey()
    const good = {
      messageId: 'm-good',
      type: 'track',
      event: 'Old',
      timestamp: new Date().toISOString(),
      properties: {},
    }
    storage.items.set(`${writeKey}:user`, '42')
    storage.items.set(`${writeKey}:durable`, '"oops"')
    storage.items.set(`${writeKey}:state`, '{"v":999}')
    storage.items.set(
      `${writeKey}:queue`,
      JSON.stringify({ items: [null, 'x', { type: 'track' }, good], dropped: 'many' }),
    )
    const collector = fakeCollector()
    const { rt, tw } = boot(collector, { writeKey, storage })
    rt.launch('/coupon/index')
    tw.track('Coupon Claimed', { coupon_id: 'c1' })
    await tw.ready
    expect(tw.tags()).toEqual({ coupon_claimer: true })
    expect(tw.user().anonymousId).toMatch(/^[0-9a-f-]{36}$/)
    await flush(tw)
    await tick(2500)
    expect(collector.acked().map((e) => e.messageId)[0]).toBe('m-good')
    expect(collector.acked()).toHaveLength(3)
  })
})

describe('tags', () => {
  it('flips coupon_claimer on the device when a tap handler tracks Coupon Claimed', async () => {
    const { rt, tw } = boot(fakeCollector())
    rt.launch('/coupon/index')
    await tw.ready
    const changes = vi.fn()
    tw.on('change', changes)
    expect(tw.has('coupon_claimer')).toBe(false)
    rt.page!.claim({ currentTarget: { dataset: { id: 'spring-10' } } })
    expect(tw.has('coupon_claimer')).toBe(true)
    expect(changes).toHaveBeenCalledWith([{ tag: 'coupon_claimer', from: undefined, to: true }])
    expect((await tw.explain('coupon_claimer'))?.value).toBe(true)
  })

  it('merges durable tags from the collector', async () => {
    const collector = fakeCollector()
    collector.state.tags = { lifecycle_stage: 'loyal' }
    const { rt, tw } = boot(collector)
    rt.launch('/home/index')
    await tw.ready
    await tick(100)
    expect(tw.value('lifecycle_stage')).toBe('loyal')
  })

  it('has the browser SDK’s tags for the same journey (screens are not pages)', async () => {
    const { rt, tw } = boot(fakeCollector())
    const browser = createBrowserTagwise({
      writeKey: freshKey(),
      endpoint: ENDPOINT,
      rules: CATALOG,
      autoPage: false,
      vitals: false,
      storage: 'memory',
      fetch: (async () => ({
        status: 200,
        headers: { get: () => null },
        json: async () => ({}),
      })) as unknown as typeof fetch,
    })
    await Promise.all([tw.ready, browser.ready])
    const visit = async (path: string, ms: number) => {
      browser.page({ path })
      if (path === '/home/index') rt.launch(path)
      else rt.navigateTo(path)
      await tick(ms)
      browser.track('Page Left', { path, dwell_ms: ms })
    }
    const both = (event: string, properties: Record<string, string>) => {
      browser.track(event, properties)
      tw.track(event, properties)
    }
    await visit('/home/index', 2000)
    both('Product Viewed', { category: 'luggage' })
    both('Product Viewed', { category: 'luggage' })
    await visit('/coupon/index', 1000)
    both('Coupon Claimed', { coupon_id: 'c1' })
    await visit('/checkout/cart', 12_000)
    expect(tw.tags()).toEqual({
      coupon_claimer: true,
      browsing_category: 'luggage',
      checkout_hesitant: true,
      cart_open: true,
    })
    // The catalog's page-count metrics take `"type": ["page", "screen"]`, so the web's page
    // events and a mini-program's screens make the same tags.
    expect(browser.tags()).toEqual(tw.tags())
  })
})

describe('consent', () => {
  it('sends and stores nothing without consent, and keeps tags on the device', async () => {
    const storage = fakeStorage()
    const collector = fakeCollector()
    const { rt, tw } = boot(collector, { storage, consent: false })
    rt.launch('/coupon/index')
    tw.track('Coupon Claimed', { coupon_id: 'c1' })
    await tw.ready
    await flush(tw)
    rt.background()
    await tick(10_000)
    expect(collector.batches).toHaveLength(0)
    expect([...storage.items.keys()]).toEqual([])
    expect(tw.has('coupon_claimer')).toBe(true)
  })

  it('deletes the stored queue when consent is withdrawn', async () => {
    const storage = fakeStorage()
    const writeKey = freshKey()
    const { rt, tw } = boot(fakeCollector(), { writeKey, storage })
    rt.setOnline(false)
    rt.launch('/home/index')
    await tick(100)
    expect(storage.read(`${writeKey}:queue`).items).toHaveLength(1)
    tw.consent(false)
    await tick(100)
    expect(storage.read(`${writeKey}:queue`)).toBeUndefined()
  })

  it('deletes everything it stored when consent is withdrawn, and stores nothing after', async () => {
    const storage = fakeStorage()
    const writeKey = freshKey()
    const collector = fakeCollector()
    collector.state.tags = { vip: true }
    const { rt, tw } = boot(collector, { writeKey, storage, rules: 'remote' })
    rt.launch('/coupon/index')
    await tick(500) // the rules arrive over the fake network
    await tw.ready
    tw.identify('u1', { plan: 'gold' })
    tw.track('Coupon Claimed', { coupon_id: 'c1' })
    await flush(tw)
    rt.setOnline(false)
    tw.track('Product Viewed')
    await tick(100)
    expect([...storage.items.keys()].sort()).toEqual(
      ['durable', 'queue', 'rules', 'state', 'user'].map((n) => `${writeKey}:${n}`),
    )
    tw.consent(false)
    await tick(100)
    expect([...storage.items.keys()]).toEqual([])
    rt.setOnline(true)
    tw.track('After')
    rt.background()
    await tick(10_000)
    expect([...storage.items.keys()]).toEqual([])
  })
})

describe('robustness', () => {
  it('returns an instance that does nothing when there is no wx or no endpoint', () => {
    const tw: Tagwise = createTagwise({ writeKey: 'k', endpoint: ENDPOINT })
    expect(tw.tags()).toEqual({})
    const rt = fakeWx()
    runtimes.push(rt)
    expect(createTagwise({ writeKey: 'k', endpoint: '' }).user()).toEqual({
      anonymousId: '',
      sessionId: '',
    })
  })

  it('lets a page’s own errors reach the runtime and still records the screen', async () => {
    const collector = fakeCollector()
    const rt = fakeWx({ server: collector.server })
    runtimes.push(rt)
    const tw = createTagwise({ writeKey: freshKey(), endpoint: ENDPOINT, rules: CATALOG })
    ;(globalThis as any).App({})
    rt.definePage('home/index', {
      onShow() {
        throw new Error('page bug')
      },
    })
    expect(() => rt.launch('/home/index')).toThrow('page bug')
    await flush(tw)
    await tick(2500)
    expect(collector.acked().map((e) => e.type)).toEqual(['screen'])
  })
})
