// @vitest-environment node
// The Douyin adapter (`tagwise/miniprogram/douyin`) against the fake `tt` of fake-runtime.ts:
// WeChat's shapes under another global, pages built with `Page()` or `Component()`, and what
// older base libraries lack (`timeout` before 2.31.0, `tt.getRandomValues` before 2.87.0).
import { randomInt } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createTagwise, type DouyinOptions } from '../../sdk/douyin.ts'
import { CATALOG, fakeCollector, type Collector } from './fake-collector.ts'
import { fakeRuntime, fakeStorage, type FakeOptions } from './fake-runtime.ts'
import { miniprogramTestClock } from './miniprogram-harness.ts'

const ENDPOINT = 'https://collect.test'
/** Secure bytes whose low 4 bits are 12–15: ids made from them have only the digits c–f. */
const marked = (length: number) => Uint8Array.from({ length }, () => 12 + randomInt(4))
const SECURE = /^[c-f]{8}-[c-f]{4}-4[c-f]{3}-[89ab][c-f]{3}-[c-f]{12}$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const { runtimes, tick, flush } = miniprogramTestClock()
let counter = 0

function boot(
  collector: Collector,
  runtime: FakeOptions = {},
  options: Partial<DouyinOptions> = {},
) {
  const rt = fakeRuntime('tt', { server: collector.server, random: marked, ...runtime })
  runtimes.push(rt)
  const tw = createTagwise({
    writeKey: `tt-${++counter}`,
    endpoint: ENDPOINT,
    rules: CATALOG,
    ...options,
  })
  ;(globalThis as any).App({})
  return { rt, tw }
}

describe('Douyin', () => {
  it('captures Page() and Component() pages through `tt`, with no `wx` around', async () => {
    const collector = fakeCollector()
    const { rt, tw } = boot(collector)
    expect((globalThis as any).wx).toBeUndefined()
    rt.definePage('home/index', {})
    rt.defineComponentPage('deals/index', {
      methods: { onShareAppMessage: () => ({ title: 'Deal', path: '/deals/index' }) },
    })
    rt.launch('/home/index?from=feed')
    await tick(1500)
    rt.navigateTo('/deals/index?id=3')
    rt.share('menu')
    await flush(tw)
    await tick(2500)
    expect(
      collector
        .acked()
        .map((e) => (e.type === 'screen' ? [e.name, e.properties.query] : [e.event, e.properties])),
    ).toEqual([
      ['home/index', { from: 'feed' }],
      ['Page Left', { path: '/home/index', dwell_ms: 1500 }],
      ['deals/index', { id: '3' }],
      [
        'Share',
        { path: '/deals/index', channel: 'message', from: 'menu', share_path: '/deals/index' },
      ],
    ])
  })

  it('gives up a request the runtime lets hang (base library before 2.31.0 ignores `timeout`)', async () => {
    const collector = fakeCollector()
    collector.reply('hang')
    const { rt, tw } = boot(collector, { baseLibrary: '2.20.0' })
    rt.definePage('home/index', {})
    rt.launch('/home/index')
    await tick(2100)
    expect(collector.batches.map((b) => b.outcome)).toEqual([undefined])
    await tick(11_000) // the adapter's own deadline, not the runtime's 60 s
    expect(collector.batches[0]!.outcome).toBe('fail') // aborted
    await flush(tw)
    await tick(10_000)
    expect(collector.acked()).toHaveLength(1)
  })

  it('makes ids from tt.getRandomValues from base library 2.87.0, from Math.random before', async () => {
    const recent = boot(fakeCollector(), { baseLibrary: '2.87.0' })
    recent.rt.definePage('home/index', {})
    recent.rt.launch('/home/index')
    await recent.tw.ready
    expect(recent.tw.user().anonymousId).toMatch(SECURE)
    recent.rt.kill()

    const older = boot(fakeCollector(), { baseLibrary: '2.80.0', storage: fakeStorage() })
    older.rt.definePage('home/index', {})
    older.rt.launch('/home/index')
    await older.tw.ready
    expect(older.rt.api.getRandomValues).toBeUndefined()
    expect(older.tw.user().anonymousId).toMatch(UUID)
    expect(older.tw.user().anonymousId).not.toMatch(SECURE)
  })

  it('returns an instance that does nothing when there is no `tt`', () => {
    const tw = createTagwise({ writeKey: 'k', endpoint: ENDPOINT })
    expect(tw.user()).toEqual({ anonymousId: '', sessionId: '' })
  })
})
