// @vitest-environment node
// Pages built with `Component()` (issue 18): WeChat (and Douyin) let a page be a component whose
// page hooks live in `methods`, as uni-app and many hand-written apps build them. They are
// captured like `Page()` pages; custom components inside a page, which get the page's
// `pageLifetimes` too, are not pages; the app's own lifetimes keep running.
import { describe, expect, it } from 'vitest'
import { createTagwise, type Tagwise } from '../../sdk/miniprogram.ts'
import { CATALOG, fakeCollector, type Collector } from './fake-collector.ts'
import { fakeWx } from './fake-runtime.ts'
import { miniprogramTestClock } from './miniprogram-harness.ts'

const ENDPOINT = 'https://collect.test'
const { runtimes, tick, flush } = miniprogramTestClock()

function boot(collector: Collector) {
  const rt = fakeWx({ server: collector.server })
  runtimes.push(rt)
  const tw = createTagwise({ writeKey: 'k', endpoint: ENDPOINT, rules: CATALOG })
  ;(globalThis as any).App({})
  return { rt, tw }
}

/** A page built with `Component()`, recording its own lifecycle calls into `calls`. */
function componentPage(calls: string[], name: string, tw: Tagwise) {
  return {
    data: { claimed: false },
    lifetimes: {
      attached: () => void calls.push(`${name}.attached`),
      detached: () => void calls.push(`${name}.detached`),
    },
    pageLifetimes: {
      show: () => void calls.push(`${name}.pageLifetimes.show`),
      hide: () => void calls.push(`${name}.pageLifetimes.hide`),
    },
    methods: {
      onLoad(query: Record<string, string>) {
        calls.push(`${name}.onLoad ${JSON.stringify(query)}`)
      },
      onShow() {
        calls.push(`${name}.onShow`)
      },
      claim(this: any, e: { currentTarget: { dataset: { id: string } } }) {
        tw.track('Coupon Claimed', { coupon_id: e.currentTarget.dataset.id })
        this.setData({ claimed: true })
      },
      onShareAppMessage: () => ({ title: 'Deal', path: `/${name}/index?ref=share` }),
    },
  }
}

const journey = (events: any[]) =>
  events
    .filter((e) => e.type === 'screen' || e.event === 'Page Left' || e.event === 'Share')
    .map((e) =>
      e.type === 'screen' ? ['screen', e.name, e.properties.query] : [e.event, e.properties],
    )

describe('pages built with Component()', () => {
  it('sends screens, Page Left and Share for them as for Page() pages, and keeps their own hooks', async () => {
    const collector = fakeCollector()
    const { rt, tw } = boot(collector)
    const calls: string[] = []
    rt.defineComponentPage('deals/index', componentPage(calls, 'deals', tw))
    rt.defineComponentPage('offer/index', componentPage(calls, 'offer', tw))
    rt.definePage('home/index', {})
    rt.launch('/deals/index?utm_source=wechat')
    await tick(1000)
    rt.page!.claim({ currentTarget: { dataset: { id: 'c1' } } })
    expect(rt.share('button')).toEqual({ title: 'Deal', path: '/deals/index?ref=share' })
    rt.navigateTo('/home/index')
    await tick(2000)
    rt.navigateBack()
    await tick(3000)
    rt.redirectTo('/offer/index?id=7')
    await flush(tw)
    await tick(2500)
    expect(journey(collector.acked())).toEqual([
      ['screen', 'deals/index', { utm_source: 'wechat' }],
      [
        'Share',
        {
          path: '/deals/index',
          channel: 'message',
          from: 'button',
          share_path: '/deals/index?ref=share',
        },
      ],
      ['Page Left', { path: '/deals/index', dwell_ms: 1000 }],
      ['screen', 'home/index', {}],
      ['Page Left', { path: '/home/index', dwell_ms: 2000 }],
      ['screen', 'deals/index', { utm_source: 'wechat' }],
      ['Page Left', { path: '/deals/index', dwell_ms: 3000 }],
      ['screen', 'offer/index', { id: '7' }],
    ])
    expect(tw.has('coupon_claimer')).toBe(true)
    expect(calls).toEqual([
      'deals.attached',
      'deals.onLoad {"utm_source":"wechat"}',
      'deals.onShow',
      'deals.pageLifetimes.show',
      'deals.pageLifetimes.hide',
      'deals.onShow',
      'deals.pageLifetimes.show',
      'deals.detached',
      'offer.attached',
      'offer.onLoad {"id":"7"}',
      'offer.onShow',
      'offer.pageLifetimes.show',
    ])
  })

  it('captures a page component that has no page hooks of its own', async () => {
    const collector = fakeCollector()
    const { rt, tw } = boot(collector)
    rt.defineComponentPage('bare/index', { data: {} })
    rt.launch('/bare/index?x=1')
    await flush(tw)
    await tick(2500)
    expect(journey(collector.acked())).toEqual([['screen', 'bare/index', { x: '1' }]])
  })

  it('does not count custom components inside a page as pages, and keeps their lifetimes', async () => {
    const collector = fakeCollector()
    const { rt, tw } = boot(collector)
    const calls: string[] = []
    const banner = (name: string) => ({
      pageLifetimes: { show: () => void calls.push(`${name}.show`) },
      methods: { onShow: () => void calls.push(`${name}.method`) },
    })
    rt.defineComponent('banner', banner('banner'))
    rt.defineComponent('coupon-card', banner('coupon-card'))
    rt.definePage('home/index', {}, ['banner', 'coupon-card'])
    rt.defineComponentPage('deals/index', { methods: {} }, ['banner'])
    rt.launch('/home/index')
    rt.navigateTo('/deals/index')
    rt.navigateBack()
    await flush(tw)
    await tick(2500)
    expect(journey(collector.acked()).filter(([kind]) => kind === 'screen')).toEqual([
      ['screen', 'home/index', {}],
      ['screen', 'deals/index', {}],
      ['screen', 'home/index', {}],
    ])
    // The runtime runs a component's pageLifetimes, never its methods named like page hooks.
    expect(calls).toEqual([
      'banner.show',
      'coupon-card.show',
      'banner.show',
      'banner.show',
      'coupon-card.show',
    ])
  })

  it('adds no page hooks to a component with behaviors, where they would hide the behaviors’ own', () => {
    const { rt } = boot(fakeCollector())
    rt.defineComponentPage('mixed/index', { behaviors: ['page-behavior'], methods: {} })
    rt.defineComponentPage('own/index', {
      behaviors: ['page-behavior'],
      methods: { onShow() {} },
    })
    rt.launch('/mixed/index')
    expect(rt.page!.onShow).toBeUndefined()
    expect(rt.page!.onLoad).toBeUndefined()
    rt.navigateTo('/own/index')
    expect(rt.page!.onShow).toBeTypeOf('function')
  })
})
