// Faithful fakes of the mini-program runtimes the adapters run in (see MINIPROGRAM.md, "Testing
// without WeChat"): WeChat (`wx`), Douyin (`tt`) and Alipay (`my`). Each installs its globals —
// the API object, `App`, `Page`, `Component`, `getApp`, `getCurrentPages` — with pages registered
// by route and a new instance per visit; a driver for launch / navigateTo / redirectTo /
// navigateBack / background / foreground / share in the runtimes' order; storage as JSON that
// refuses values past the runtime's limits; a request API recording every request, with
// timeouts, `success`/`fail`/`complete`. Everything asynchronous runs on `setTimeout`, so
// vitest's fake timers drive it. Browser-only globals the runtimes lack are removed while one is
// installed (`btoa`, `URLSearchParams`, `fetch`, `indexedDB`, `crypto`).
//
// Where the runtimes differ, so do the fakes, as their documentation says:
// - WeChat (developers.weixin.qq.com, miniprogram-api-typings): `wx.request({ header })`,
//   `success` `{ statusCode, header, data }` for any HTTP status, `fail` `{ errMsg, errno }`;
//   at most 10 requests at once; `*StorageSync(key, data)` throws past 1 MB per key / 10 MB, a
//   missing key reads as `''`; `wx.getRandomValues` from base library 2.15.0. Pages are built
//   with `Page()` or with `Component()` (page hooks in `methods`; the component's `lifetimes`
//   and `pageLifetimes` run too), and custom components inside a page get `pageLifetimes`.
//   `wx.onAppRoute` from base library 3.5.5 (route-event-listener): once per route (launch,
//   navigateTo, redirectTo, navigateBack), after the new page's `onShow`, with the new stack in
//   `getCurrentPages()`; not when the app comes back to the foreground.
// - Douyin (developer.open-douyin.com): `wx`'s shapes, under `tt`; `timeout` is honored from base
//   library 2.31.0 only (before, 60 s); `fail` has `errNo`; `tt.getRandomValues` from 2.87.0.
// - Alipay (opendocs.alipay.com, AlipayDocs/open-docs): `my.request({ headers })` (`header` is
//   not read), default timeout 30 s, `success` `{ status, headers, data }` for 2xx only; another
//   status calls `fail` `{ error: 19, status, headers, data }`; `dataType: 'json'` (the default)
//   fails with error 14 on a body that is not JSON; no network: error 12; timeout: 13; abort: 9;
//   no limit on requests at once. Storage takes objects: `getStorageSync({ key })` returns
//   `{ data }` (`null` when missing), `setStorageSync({ key, data })` does not throw but returns
//   `{ error: 14 }` past 200 KB per key and `{ error: 12 }` past 10 MB; a call without `{ key }`
//   returns `{ error: 2 }`. No `getRandomValues`. `getCurrentPages()` entries have `route` (on
//   the prototype) but no query: it comes to `onLoad` only. Pages are built with `Page()` only.
import { randomBytes } from 'node:crypto'
import { vi } from 'vitest'

/** Bytes one storage key may hold, and all keys together, per runtime. */
export const KEY_LIMIT = 1024 * 1024
export const ALIPAY_KEY_LIMIT = 200 * 1024
export const TOTAL_LIMIT = 10 * 1024 * 1024
/** Requests WeChat and Douyin run at once; later ones wait. */
export const MAX_REQUESTS = 10

type Options = Record<string, any>

/** Storage that outlives a runtime (an app restart keeps it): key → JSON text. */
export function fakeStorage() {
  const items = new Map<string, string>()
  const size = () => [...items].reduce((n, [k, v]) => n + Buffer.byteLength(k + v), 0)
  return {
    items,
    /** Bytes used in all (the runtimes report KB in `getStorageInfoSync`). */
    size,
    /** The value under `key` as the app would read it (`undefined` when missing). */
    read: (key: string): any => (items.has(key) ? JSON.parse(items.get(key)!) : undefined),
  }
}
export type FakeStorage = ReturnType<typeof fakeStorage>

/** How the fake server answers one request. */
export type Reply =
  | { status: number; body?: unknown; headers?: Record<string, string> }
  /** A network error: `fail` right away. */
  | 'fail'
  /** No answer: `fail` with a timeout once the request's timeout passes. */
  | 'hang'

/** One request the runtime was asked to send. */
export interface SentRequest {
  url: string
  path: string
  method: string
  /** The request headers the runtime read (`header` on WeChat and Douyin, `headers` on Alipay). */
  header: Record<string, string>
  /** The body, parsed when it is JSON text. */
  body: any
  timeout: number | undefined
  /** How it ended: an HTTP status, `'fail'`, `'timeout'`, or `undefined` while in flight. */
  outcome?: number | 'fail' | 'timeout'
}

export type Platform = 'wx' | 'tt' | 'my'

export interface FakeOptions {
  storage?: FakeStorage
  /** Answers requests; default: 200 `{}`. */
  server?: (request: SentRequest) => Reply | Promise<Reply>
  /** ms before an answer arrives. @default 20 */
  latency?: number
  /**
   * ms before `getRandomValues` answers; `undefined`: at once, but asynchronously (a microtask),
   * as the runtime answers within milliseconds. `'never'`: it never answers. `'missing'`: a base
   * library without it.
   */
  randomLatency?: number | 'never' | 'missing'
  /** The bytes `getRandomValues` answers with. @default secure random bytes */
  random?: (length: number) => Uint8Array
  /** The base library version (what WeChat and Douyin have depends on it). @default '3.5.5' */
  baseLibrary?: string
}

/** A page or component definition as registered: `Page()` options or `Component()` options. */
interface Definition {
  kind: 'page' | 'component'
  options: Options
  /** The custom components the page uses (its .json `usingComponents`). */
  components: string[]
}

/** A page on the stack: its instance and the custom components inside it. */
interface Shown {
  page: Options
  definition: Definition
  children: { instance: Options; options: Options }[]
}

const newer = (version: string, than: string) => {
  const [a, b] = [version, than].map((v) => v.split('.').map(Number))
  for (let i = 0; i < 3; i++) if (a![i] !== b![i]) return a![i]! > b![i]!
  return true
}

/** Creates a runtime of `platform` and installs its globals; `uninstall()` (or `kill()`) takes them away. */
export function fakeRuntime(platform: Platform, options: FakeOptions = {}) {
  const storage = options.storage ?? fakeStorage()
  const latency = options.latency ?? 20
  const alipay = platform === 'my'
  const baseLibrary = options.baseLibrary ?? '3.5.5'
  const registry = new Map<string, Definition>()
  const components = new Map<string, Options>()
  const stack: Shown[] = []
  const listeners = {
    show: [] as ((o: unknown) => void)[],
    hide: [] as (() => void)[],
    network: [] as ((r: { isConnected: boolean }) => void)[],
    route: [] as ((r: { path: string; openType: string }) => void)[],
  }
  const requests: SentRequest[] = []
  const waiting: (() => void)[] = []
  let inFlight = 0
  let app: Options | undefined
  let loading: { route: string; components: string[] } | undefined
  let defining: string | undefined
  let alive = true
  let online = true

  const fail = (message: string): never => {
    throw new Error(message)
  }
  const later = (fn: () => void, ms = latency) => setTimeout(() => alive && fn(), ms)
  const bytes = (text: string) => Buffer.byteLength(text)

  // --- storage ---
  /** Why `data` cannot be stored under `key`, or `undefined` when it can. */
  const refusal = (key: string, text: string): 'item' | 'total' | undefined => {
    if (bytes(text) > (alipay ? ALIPAY_KEY_LIMIT : KEY_LIMIT)) return 'item'
    const old = storage.items.get(key)
    const total = storage.size() - (old === undefined ? 0 : bytes(key + old))
    return total + bytes(key + text) > TOTAL_LIMIT ? 'total' : undefined
  }
  const read = (key: string) => (alive ? storage.items.get(String(key)) : undefined)
  const wxStorage = {
    getStorageSync: (key: string) => {
      const text = read(key)
      return text === undefined ? '' : JSON.parse(text)
    },
    setStorageSync: (key: string, data: unknown) => {
      if (!alive) return
      const text = JSON.stringify(data) ?? '""'
      const refused = refusal(key, text)
      if (refused === 'item') fail('setStorageSync:fail exceed storage item max length')
      if (refused === 'total') fail('setStorageSync:fail exceed storage max size 10MB')
      storage.items.set(key, text)
    },
    removeStorageSync: (key: string) => void (alive && storage.items.delete(key)),
    clearStorageSync: () => void (alive && storage.items.clear()),
  }
  const noKey = { error: 2, errorMessage: '必填参数为空' }
  const isKeyed = (option: unknown): option is { key: string; data?: unknown } =>
    typeof option === 'object' && option !== null && typeof (option as Options).key === 'string'
  const myStorage = {
    getStorageSync: (option: unknown) => {
      if (!isKeyed(option)) return noKey
      const text = read(option.key)
      return { data: text === undefined ? null : JSON.parse(text) }
    },
    setStorageSync: (option: unknown) => {
      if (!isKeyed(option)) return noKey
      if (!alive) return { success: true }
      const text = JSON.stringify(option.data) ?? 'null'
      const refused = refusal(option.key, text)
      if (refused === 'item') return { error: 14, errorMessage: 'data长度超限' }
      if (refused === 'total') return { error: 12, errorMessage: '存储总大小达到上限' }
      storage.items.set(option.key, text)
      return { success: true }
    },
    removeStorageSync: (option: unknown) => {
      if (!isKeyed(option)) return noKey
      if (alive) storage.items.delete(option.key)
      return { success: true }
    },
    clearStorageSync: () => void (alive && storage.items.clear()),
  }

  // --- network ---
  /** The `fail` result of each runtime for a failure without an answer. */
  const failure = (kind: 'timeout' | 'offline' | 'reset' | 'abort'): Options => {
    if (alipay)
      return {
        timeout: { error: 13, errorMessage: '超时' },
        offline: { error: 12, errorMessage: '网络出错' },
        reset: { error: 12, errorMessage: '网络出错' },
        abort: { error: 9, errorMessage: 'request:fail abort' },
      }[kind]
    const errMsg = {
      timeout: 'request:fail timeout',
      offline: 'request:fail',
      reset: 'request:fail net::ERR_CONNECTION_RESET',
      abort: 'request:fail abort',
    }[kind]
    const code = { timeout: 5, offline: 600001, reset: 600001, abort: 1 }[kind]
    return platform === 'tt' ? { errMsg, errNo: code } : { errMsg, errno: code }
  }
  /** How long the runtime lets a request run before failing it with a timeout. */
  const timeoutOf = (option: Options): number => {
    if (alipay) return option.timeout ?? 30_000
    if (platform === 'tt' && !newer(baseLibrary, '2.31.0')) return 60_000
    return option.timeout ?? 60_000
  }
  const request = (option: Options) => {
    const url = String(option.url)
    const raw = option.data
    let body = raw
    if (typeof raw === 'string')
      try {
        body = JSON.parse(raw)
      } catch {
        // Not JSON: recorded as sent.
      }
    const header: Record<string, string> = { ...(alipay ? option.headers : option.header) }
    const sent: SentRequest = {
      url,
      path: url.replace(/^https?:\/\/[^/]+/, '').replace(/\?.*$/, ''),
      method: option.method ?? 'GET',
      header,
      body,
      timeout: option.timeout,
    }
    if (!alive) return { abort() {} }
    requests.push(sent)
    const end = (outcome: SentRequest['outcome'], result: Options, ok: boolean) => {
      if (sent.outcome !== undefined) return
      sent.outcome = outcome
      inFlight--
      waiting.shift()?.()
      if (ok) option.success?.(result)
      else option.fail?.(result)
      option.complete?.(result)
    }
    /** The answer to `reply` as the runtime hands it over. */
    const answer = (reply: {
      status: number
      body?: unknown
      headers?: Record<string, string>
    }) => {
      const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? '')
      const json = (option.dataType ?? 'json') === 'json'
      let data: unknown = text
      if (json)
        try {
          data = JSON.parse(text)
        } catch {
          // WeChat and Douyin hand over the text; Alipay fails (error 14), below.
          if (alipay)
            return end(
              reply.status,
              { error: 14, errorMessage: 'JSON parse data error', status: reply.status },
              false,
            )
        }
      const headers = { ...reply.headers }
      if (!alipay)
        return end(
          reply.status,
          { statusCode: reply.status, data, header: headers, errMsg: 'request:ok' },
          true,
        )
      if (reply.status >= 200 && reply.status < 300)
        return end(reply.status, { status: reply.status, data, headers }, true)
      end(
        reply.status,
        { error: 19, errorMessage: 'http status error', status: reply.status, data, headers },
        false,
      )
    }
    const start = () => {
      inFlight++
      runtime.maxInFlight = Math.max(runtime.maxInFlight, inFlight)
      if (alipay && Object.values(header).some((v) => typeof v !== 'string'))
        return later(() => end('fail', { error: 2, errorMessage: '参数错误' }, false), 1)
      later(() => end('timeout', failure('timeout'), false), timeoutOf(option))
      if (!online) return later(() => end('fail', failure('offline'), false), 1)
      void Promise.resolve(options.server?.(sent) ?? { status: 200, body: {} }).then((reply) => {
        if (reply === 'hang') return
        if (reply === 'fail') return later(() => end('fail', failure('reset'), false))
        later(() => answer(reply))
      })
    }
    if (alipay || inFlight < MAX_REQUESTS) start()
    else waiting.push(start)
    return { abort: () => end('fail', failure('abort'), false) }
  }

  // --- secure random bytes ---
  const hasRandom =
    !alipay &&
    options.randomLatency !== 'missing' &&
    (platform === 'wx' || newer(baseLibrary, '2.87.0'))
  const getRandomValues = (option: Options) => {
    const answer = () => {
      if (!alive) return
      const values = (options.random ?? randomBytes)(option.length)
      const randomValues = new Uint8Array(values).buffer
      runtime.randomCalls++
      option.success?.({ randomValues, errMsg: 'getRandomValues:ok' })
      option.complete?.({ errMsg: 'getRandomValues:ok' })
    }
    const wait = options.randomLatency
    if (wait === undefined) queueMicrotask(answer)
    else if (typeof wait === 'number') later(answer, wait)
  }

  const hasAppRoute = platform === 'wx' && newer(baseLibrary, '3.5.5')
  /** A route is done: `wx.onAppRoute` listeners, with the page now on top. */
  const routed = (openType: string) => {
    const route = stack[stack.length - 1]?.page.route
    for (const fn of listeners.route) fn({ path: String(route), openType })
  }

  // --- pages ---
  const parse = (url: string) => {
    const [path = '', search = ''] = url.split('?')
    const query: Record<string, string> = {}
    for (const pair of search.split('&').filter(Boolean)) {
      const [k = '', v = ''] = pair.split('=')
      query[decodeURIComponent(k)] = decodeURIComponent(v)
    }
    return { route: path.replace(/^\//, ''), query }
  }
  const call = (target: Options | undefined, name: string, ...args: unknown[]) =>
    typeof target?.[name] === 'function' ? target[name].apply(target, args) : undefined
  const copy = (data: unknown) => JSON.parse(JSON.stringify(data ?? {}))
  /** A component lifetime: in `lifetimes`, else at the top level (older style); a function or a method's name. */
  const lifetime = (instance: Options, definition: Options, name: string) => {
    const fn = definition.lifetimes?.[name] ?? definition[name]
    if (typeof fn === 'string') call(instance, fn)
    else if (typeof fn === 'function') fn.call(instance)
  }
  const pageLifetime = (instance: Options, definition: Options, name: string) =>
    definition.pageLifetimes?.[name]?.call(instance)
  /** The component instances of `shown`, the page itself first when it is a component. */
  const componentsOf = (shown: Shown) => [
    ...(shown.definition.kind === 'component'
      ? [{ instance: shown.page, options: shown.definition.options }]
      : []),
    ...shown.children,
  ]
  const top = () => stack[stack.length - 1]
  const show = (shown: Shown | undefined) => {
    if (!shown) return
    call(shown.page, 'onShow')
    for (const c of componentsOf(shown)) pageLifetime(c.instance, c.options, 'show')
  }
  const hide = (shown: Shown | undefined) => {
    if (!shown) return
    call(shown.page, 'onHide')
    for (const c of componentsOf(shown)) pageLifetime(c.instance, c.options, 'hide')
  }
  const unload = (shown: Shown | undefined) => {
    if (!shown) return
    call(shown.page, 'onUnload')
    for (const c of componentsOf(shown).reverse()) lifetime(c.instance, c.options, 'detached')
  }
  const open = (url: string) => {
    const { route, query } = parse(url)
    const definition = registry.get(route) ?? fail(`page "${route}" is not registered`)
    const own = definition.options
    const fields =
      definition.kind === 'page' ? { ...own } : { ...own.methods, properties: { ...query } }
    // Alipay: `route` on the prototype, no `options`; WeChat and Douyin: both on the instance.
    const page: Options = alipay ? Object.create({ route }) : { route, options: query }
    Object.assign(page, fields, { data: copy(own.data) })
    page.setData = (patch: Options) => Object.assign(page.data, patch)
    const children = definition.components.map((name) => {
      const options = components.get(name) ?? fail(`component "${name}" is not defined`)
      const instance: Options = { ...options.methods, is: name, data: copy(options.data) }
      return { instance, options }
    })
    const shown: Shown = { page, definition, children }
    stack.push(shown)
    for (const c of componentsOf(shown)) lifetime(c.instance, c.options, 'created')
    for (const c of componentsOf(shown)) lifetime(c.instance, c.options, 'attached')
    call(page, 'onLoad', query)
    show(shown)
    for (const c of componentsOf(shown)) lifetime(c.instance, c.options, 'ready')
    call(page, 'onReady')
    return page
  }

  const api: Options = {
    ...(alipay ? myStorage : wxStorage),
    getStorageInfoSync: () => ({
      keys: [...storage.items.keys()],
      currentSize: Math.ceil(storage.size() / 1024),
      limitSize: TOTAL_LIMIT / 1024,
    }),
    request,
    ...(hasRandom ? { getRandomValues } : {}),
    onAppShow: (fn: (o: unknown) => void) => void listeners.show.push(fn),
    onAppHide: (fn: () => void) => void listeners.hide.push(fn),
    onNetworkStatusChange: (fn: (r: { isConnected: boolean }) => void) =>
      void listeners.network.push(fn),
    ...(hasAppRoute
      ? {
          onAppRoute: (fn: (r: { path: string; openType: string }) => void) =>
            void listeners.route.push(fn),
        }
      : {}),
    showToast: (option: Options) => void runtime.ui.push(['showToast', option]),
    showModal: (option: Options) => void runtime.ui.push(['showModal', option]),
    navigateTo: ({ url }: { url: string }) => runtime.navigateTo(url),
    redirectTo: ({ url }: { url: string }) => runtime.redirectTo(url),
    navigateBack: ({ delta }: { delta?: number } = {}) => runtime.navigateBack(delta),
  }
  const globals = {
    [platform]: api,
    App: (options: Options) => {
      if (app) fail('App() can only be called once')
      app = options
    },
    Page: (options: Options) => {
      const file = loading ?? fail('Page() called outside a page file')
      registry.set(file.route, { kind: 'page', options, components: file.components })
    },
    Component: (options: Options) => {
      if (defining) return void components.set(defining, options)
      const file = loading ?? fail('Component() called outside a page or component file')
      if (alipay) fail('Alipay builds pages with Page() only')
      registry.set(file.route, { kind: 'component', options, components: file.components })
    },
    getApp: () => app,
    getCurrentPages: () => stack.map((shown) => shown.page),
  }
  for (const [name, value] of Object.entries(globals)) vi.stubGlobal(name, value)
  for (const name of ['btoa', 'atob', 'URLSearchParams', 'fetch', 'indexedDB', 'crypto'])
    vi.stubGlobal(name, undefined)

  const runtime = {
    api,
    storage,
    requests,
    /** Toasts and modals shown, in order. */
    ui: [] as [string, Options][],
    /** The most requests that were in flight at once. */
    maxInFlight: 0,
    /** How many times `getRandomValues` answered. */
    randomCalls: 0,
    /**
     * Runs a page file (`run`): its `Page(...)` or `Component(...)` call registers the page under
     * `route`; `components` are the custom components its .json uses.
     */
    loadPage(route: string, run: () => void, components: string[] = []) {
      loading = { route, components }
      try {
        run()
      } finally {
        loading = undefined
      }
    },
    /** A page file that only calls `Page(options)`. */
    definePage(route: string, options: Options, components: string[] = []) {
      runtime.loadPage(route, () => (globalThis as any).Page(options), components)
    },
    /** A page file that only calls `Component(options)`: a page built with `Component()`. */
    defineComponentPage(route: string, options: Options, components: string[] = []) {
      runtime.loadPage(route, () => (globalThis as any).Component(options), components)
    },
    /** A custom component file that only calls `Component(options)`. */
    defineComponent(name: string, options: Options) {
      defining = name
      try {
        ;(globalThis as any).Component(options)
      } finally {
        defining = undefined
      }
    },
    /** The app starts on `url`: `onLaunch` → `onShow` → page `onLoad` → `onShow` → `onReady`. */
    launch(url: string, scene = 1001) {
      const { route, query } = parse(url)
      const launch = { path: route, query, scene, referrerInfo: {} }
      call(app, 'onLaunch', launch)
      call(app, 'onShow', launch)
      for (const fn of listeners.show) fn(launch)
      const page = open(url)
      routed('appLaunch')
      return page
    },
    /** Old page `onHide`, then the new page loads (the stack holds at most 10 pages). */
    navigateTo(url: string) {
      if (stack.length >= 10) fail('navigateTo:fail webview count limit exceed')
      hide(top())
      const page = open(url)
      routed('navigateTo')
      return page
    },
    /** Old page `onUnload`, then the new page loads in its place. */
    redirectTo(url: string) {
      unload(stack.pop())
      const page = open(url)
      routed('redirectTo')
      return page
    },
    /** `onUnload` on each removed page, then `onShow` on the revealed one. */
    navigateBack(delta = 1) {
      for (let i = 0; i < delta && stack.length > 1; i++) unload(stack.pop())
      show(top())
      routed('navigateBack')
      return top()?.page
    },
    /** Page `onHide` → `App.onHide` (and `onAppHide` listeners). */
    background() {
      hide(top())
      call(app, 'onHide')
      for (const fn of listeners.hide) fn()
    },
    /** `App.onShow` (and `onAppShow` listeners) → page `onShow`. */
    foreground() {
      const shownAgain = { path: top()?.page.route, scene: 1001 }
      call(app, 'onShow', shownAgain)
      for (const fn of listeners.show) fn(shownAgain)
      show(top())
    },
    /** The user shares the page (menu or a share button): what `onShareAppMessage` returned. */
    share(from: 'menu' | 'button' = 'menu') {
      return call(top()?.page, 'onShareAppMessage', { from })
    },
    /** Network lost or back (`onNetworkStatusChange`); offline requests fail. */
    setOnline(value: boolean) {
      online = value
      for (const fn of listeners.network) fn({ isConnected: value })
    },
    /** The current page instance. */
    get page(): Options | undefined {
      return top()?.page
    },
    /** The custom component instances of the current page. */
    get components(): Options[] {
      return top()?.children.map((c) => c.instance) ?? []
    },
    /** The process is killed: nothing of this runtime runs or answers any more; storage stays. */
    kill() {
      alive = false
      runtime.uninstall()
    },
    uninstall: () => vi.unstubAllGlobals(),
  }
  return runtime
}
export type FakeRuntime = ReturnType<typeof fakeRuntime>

/** A WeChat runtime (`wx`). */
export const fakeWx = (options: FakeOptions = {}) => fakeRuntime('wx', options)
