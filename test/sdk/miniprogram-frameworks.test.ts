// @vitest-environment node
// Pages as Taro and uni-app register them on WeChat, against the fake runtime: each framework's
// runtime is imitated in the few lines that matter to capture (where it keeps `Page` and
// `Component`, where it puts the page hooks), and the app creates tagwise where its entry runs.
// - uni-app (vendor.js, loaded by app.js before the app's own code): replaces the global `Page`
//   and `Component` with wrappers over the runtime's (adding a `created`/`onLoad` hook of its
//   own), and builds every page with the global `Component()`, its hooks in `methods` that call
//   the Vue instance, `behaviors` an array (empty, or one per mixin with props).
// - Taro 3: each page file calls the global `Page(createPageConfig(...))`, hooks at the top level.
// - A framework or bundle that keeps the runtime's `Page`/`Component` in a variable before
//   tagwise is created, and registers pages through it: the wrapper never sees them.
import { describe, expect, it } from 'vitest'
import { createTagwise } from '../../sdk/miniprogram.ts'
import { CATALOG, fakeCollector, type Collector } from './fake-collector.ts'
import { fakeWx, type FakeRuntime } from './fake-runtime.ts'
import { miniprogramTestClock } from './miniprogram-harness.ts'

const ENDPOINT = 'https://collect.test'
const { runtimes, tick, flush } = miniprogramTestClock()

type Hooks = Record<string, (this: any, ...args: any[]) => unknown>
type Constructor = (options: Record<string, any>) => unknown
const runtimeGlobals = globalThis as unknown as { Page: Constructor; Component: Constructor }

function start(collector: Collector, baseLibrary?: string) {
  const rt = fakeWx({ server: collector.server, ...(baseLibrary ? { baseLibrary } : {}) })
  runtimes.push(rt)
  return rt
}

const createTagwiseHere = () =>
  createTagwise({ writeKey: 'k', endpoint: ENDPOINT, rules: CATALOG, flushInterval: 60_000 })

/** uni-app's vendor.js: wraps the global constructors over the ones it found, as uni-mp-core does. */
function loadUniRuntime() {
  const mpPage = runtimeGlobals.Page
  const mpComponent = runtimeGlobals.Component
  const initHook = (name: string, options: Record<string, any>) => {
    const own = options[name]
    options[name] = function (this: any, ...args: unknown[]) {
      this.$uniTriggerEvent = true
      return typeof own === 'function' ? own.apply(this, args) : undefined
    }
  }
  runtimeGlobals.Page = (options) => {
    initHook('onLoad', options)
    return mpPage(options)
  }
  runtimeGlobals.Component = (options) => {
    initHook('created', options)
    return mpComponent(options)
  }
  /** `createPage(vueOptions)`: the page as a component, the page hooks calling the Vue instance. */
  return (vue: Hooks, behaviors: unknown[] = []) =>
    runtimeGlobals.Component({
      behaviors,
      lifetimes: {
        attached(this: any) {
          this.$vm = { $callHook: (name: string, arg?: unknown) => vue[name]?.call(this, arg) }
        },
      },
      methods: {
        onLoad(this: any, query: unknown) {
          this.options = query
          return this.$vm.$callHook('onLoad', query)
        },
        onShow(this: any) {
          return this.$vm.$callHook('onShow')
        },
        onHide(this: any) {
          return this.$vm.$callHook('onHide')
        },
        onUnload(this: any) {
          return this.$vm.$callHook('onUnload')
        },
      },
    })
}

/** Taro 3's `createPageConfig`: page hooks at the top level, calling the page's component. */
function createPageConfig(component: Hooks): Record<string, any> {
  const config: Record<string, any> = {}
  for (const name of ['onLoad', 'onShow', 'onHide', 'onUnload', 'onReady'])
    config[name] = function (this: any, ...args: unknown[]) {
      return component[name]?.apply(this, args)
    }
  return config
}

const journey = (events: any[]) =>
  events
    .filter((e) => e.type === 'screen' || e.event === 'Page Left')
    .map((e) =>
      e.type === 'screen' ? ['screen', e.name, e.properties.query] : ['left', e.properties],
    )

/** Home for 1 s, the deal for 2 s, back home for 3 s, the app to the background. */
async function visit(rt: FakeRuntime) {
  rt.launch('/pages/home/index?utm_source=wechat')
  await tick(1000)
  rt.navigateTo('/pages/deal/index?id=7')
  await tick(2000)
  rt.navigateBack()
  await tick(3000)
  rt.navigateTo('/pages/deal/index?id=8')
  await tick(500)
  rt.background()
  await tick(100)
}

const JOURNEY = [
  ['screen', 'pages/home/index', { utm_source: 'wechat' }],
  ['left', { path: '/pages/home/index', dwell_ms: 1000 }],
  ['screen', 'pages/deal/index', { id: '7' }],
  ['left', { path: '/pages/deal/index', dwell_ms: 2000 }],
  ['screen', 'pages/home/index', { utm_source: 'wechat' }],
  ['left', { path: '/pages/home/index', dwell_ms: 3000 }],
  ['screen', 'pages/deal/index', { id: '8' }],
]

describe('uni-app pages', () => {
  it('are captured when the app creates tagwise after uni-app’s runtime wrapped the constructors, and flushed on app hide', async () => {
    const collector = fakeCollector()
    const rt = start(collector)
    const createPage = loadUniRuntime()
    createTagwiseHere()
    ;(globalThis as any).App({})
    const calls: string[] = []
    rt.loadPage('pages/home/index', () =>
      createPage({ onShow: () => void calls.push('home.onShow') }),
    )
    rt.loadPage('pages/deal/index', () =>
      createPage({ onLoad: (query) => void calls.push(`deal.onLoad ${JSON.stringify(query)}`) }),
    )
    await visit(rt)
    expect(journey(collector.acked())).toEqual(JOURNEY)
    expect(calls).toEqual([
      'home.onShow',
      'deal.onLoad {"id":"7"}',
      'home.onShow',
      'deal.onLoad {"id":"8"}',
    ])
  })

  it('are captured with getCurrentPages() still empty while the first page loads and shows', async () => {
    const collector = fakeCollector()
    const rt = start(collector)
    const createPage = loadUniRuntime()
    const tw = createTagwiseHere()
    ;(globalThis as any).App({})
    rt.loadPage('pages/home/index', () => createPage({}))
    rt.loadPage('pages/deal/index', () => createPage({}))
    const stack = (globalThis as any).getCurrentPages as () => unknown[]
    let launched = false
    ;(globalThis as any).getCurrentPages = () => (launched ? stack() : [])
    rt.launch('/pages/home/index?utm_source=wechat')
    launched = true
    await tick(1000)
    rt.navigateTo('/pages/deal/index?id=7')
    await flush(tw)
    expect(journey(collector.acked())).toEqual(JOURNEY.slice(0, 3))
  })

  it('are captured when a mixin with props gives the page behaviors (no hook added)', async () => {
    const collector = fakeCollector()
    const rt = start(collector)
    const createPage = loadUniRuntime()
    createTagwiseHere()
    ;(globalThis as any).App({})
    rt.loadPage('pages/home/index', () => createPage({}, ['behavior-from-mixin-props']))
    rt.loadPage('pages/deal/index', () => createPage({}, ['behavior-from-mixin-props']))
    await visit(rt)
    expect(journey(collector.acked())).toEqual(JOURNEY)
  })
})

describe('Taro pages', () => {
  it('are captured whether Taro’s runtime loads before or after tagwise is created', async () => {
    for (const order of ['taro first', 'tagwise first']) {
      const collector = fakeCollector()
      const rt = start(collector)
      // Taro's runtime loaded before or after: one that wraps the constructors, as uni-app's does.
      if (order === 'taro first') loadUniRuntime()
      createTagwiseHere()
      if (order === 'tagwise first') loadUniRuntime()
      ;(globalThis as any).App({})
      for (const route of ['pages/home/index', 'pages/deal/index'])
        rt.loadPage(route, () => runtimeGlobals.Page(createPageConfig({})))
      await visit(rt)
      expect(journey(collector.acked()), order).toEqual(JOURNEY)
      rt.uninstall()
    }
  })

  it('are captured when the page component has page hooks only in pageLifetimes and behaviors', async () => {
    const collector = fakeCollector()
    const rt = start(collector)
    createTagwiseHere()
    ;(globalThis as any).App({})
    const calls: string[] = []
    for (const route of ['pages/home/index', 'pages/deal/index'])
      rt.defineComponentPage(route, {
        behaviors: ['taro-page-behavior'],
        pageLifetimes: {
          show: () => void calls.push(`${route} show`),
          hide: () => void calls.push(`${route} hide`),
        },
      })
    await visit(rt)
    expect(journey(collector.acked())).toEqual(JOURNEY)
    expect(calls.slice(0, 3)).toEqual([
      'pages/home/index show',
      'pages/home/index hide',
      'pages/deal/index show',
    ])
  })
})

describe('a page whose onShow is added later', () => {
  it('is captured when the framework sets the instance’s onShow in onLoad (over the wrapped one)', async () => {
    const collector = fakeCollector()
    const rt = start(collector)
    createTagwiseHere()
    ;(globalThis as any).App({})
    const shows: string[] = []
    for (const route of ['pages/home/index', 'pages/deal/index'])
      rt.definePage(route, {
        onLoad(this: any) {
          this.onShow = () => void shows.push(route)
        },
      })
    await visit(rt)
    expect(journey(collector.acked())).toEqual(JOURNEY)
    expect(shows).toEqual([
      'pages/home/index',
      'pages/deal/index',
      'pages/home/index',
      'pages/deal/index',
    ])
  })
})

describe('constructors a framework kept before tagwise was created', () => {
  /** The framework keeps the runtime's constructors, then the app creates tagwise. */
  function captured(rt: FakeRuntime) {
    const page = runtimeGlobals.Page
    const component = runtimeGlobals.Component
    const tw = createTagwiseHere()
    ;(globalThis as any).App({})
    rt.loadPage('pages/home/index', () => page(createPageConfig({})))
    rt.loadPage('pages/deal/index', () => component({ methods: createPageConfig({}) }))
    return tw
  }

  it('still give screens, Page Left and foreground dwell from the runtime’s route events (base library 3.5.5+)', async () => {
    const collector = fakeCollector()
    const rt = start(collector)
    captured(rt)
    await visit(rt)
    expect(journey(collector.acked())).toEqual(JOURNEY)
  })

  it('count the time in the background out of dwell, and a route after it leaves with the foreground time', async () => {
    const collector = fakeCollector()
    const rt = start(collector)
    const tw = captured(rt)
    rt.launch('/pages/home/index')
    await tick(1000)
    rt.background()
    await tick(60_000)
    rt.foreground()
    await tick(500)
    rt.navigateTo('/pages/deal/index')
    await flush(tw)
    expect(journey(collector.acked())).toEqual([
      ['screen', 'pages/home/index', {}],
      ['left', { path: '/pages/home/index', dwell_ms: 1500 }],
      ['screen', 'pages/deal/index', {}],
    ])
  })

  it('give nothing before base library 3.5.5 (the README: create tagwise before the framework loads)', async () => {
    const collector = fakeCollector()
    const rt = start(collector, '3.5.4')
    const tw = captured(rt)
    rt.launch('/pages/home/index')
    await flush(tw)
    expect(journey(collector.acked())).toEqual([])
    expect(tw.user().anonymousId).toBeTypeOf('string')
  })
})
