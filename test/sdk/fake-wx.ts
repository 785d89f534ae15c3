// A faithful fake of a WeChat-style mini-program runtime (see MINIPROGRAM.md, "Testing without
// WeChat"): the globals `wx`, `App`, `Page`, `getApp`, `getCurrentPages`; pages registered by route
// with a new instance per visit; a driver for launch / navigateTo / redirectTo / navigateBack /
// background / foreground / share in the runtime's order; storage as JSON that throws past the
// runtime's limits; `wx.request` with at most 10 in flight, timeouts, `success` for any status and
// `fail` + `complete`, every request recorded. Everything asynchronous runs on `setTimeout`, so
// vitest's fake timers drive it. Browser-only globals the runtime lacks are removed while it is
// installed (`btoa`, `URLSearchParams`, `fetch`, `indexedDB`, `crypto`); secure random bytes come
// from `wx.getRandomValues`, asynchronously.
import { randomBytes } from 'node:crypto'
import { vi } from 'vitest'

/** Bytes one storage key may hold, and all keys together (the typings: 1 MB, 10 MB). */
export const KEY_LIMIT = 1024 * 1024
export const TOTAL_LIMIT = 10 * 1024 * 1024
/** Requests the runtime runs at once; later ones wait. */
export const MAX_REQUESTS = 10

type Options = Record<string, any>

/** Storage that outlives a runtime (an app restart keeps it): key → JSON text. */
export function fakeStorage() {
  const items = new Map<string, string>()
  const size = () => [...items].reduce((n, [k, v]) => n + Buffer.byteLength(k + v), 0)
  return {
    items,
    /** Bytes used in all (the runtime reports KB in `getStorageInfoSync`). */
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
  header: Record<string, string>
  /** The body, parsed when it is JSON text. */
  body: any
  timeout: number | undefined
  /** How it ended: an HTTP status, `'fail'`, `'timeout'`, or `undefined` while in flight. */
  outcome?: number | 'fail' | 'timeout'
}

/** Creates a runtime and installs its globals; `uninstall()` (or `kill()`) takes them away. */
export function fakeWx(
  options: {
    storage?: FakeStorage
    /** Answers requests; default: 200 `{}`. */
    server?: (request: SentRequest) => Reply | Promise<Reply>
    /** ms before an answer arrives. @default 20 */
    latency?: number
    /**
     * ms before `wx.getRandomValues` answers; `undefined`: at once, but asynchronously (a
     * microtask), as the runtime answers within milliseconds. `'never'`: it never answers.
     * `'missing'`: base library before 2.15.0, without it.
     */
    randomLatency?: number | 'never' | 'missing'
    /** The bytes `wx.getRandomValues` answers with. @default secure random bytes */
    random?: (length: number) => Uint8Array
  } = {},
) {
  const storage = options.storage ?? fakeStorage()
  const latency = options.latency ?? 20
  const registry = new Map<string, Options>()
  const stack: Options[] = []
  const listeners = {
    show: [] as ((o: unknown) => void)[],
    hide: [] as (() => void)[],
    network: [] as ((r: { isConnected: boolean }) => void)[],
  }
  const requests: SentRequest[] = []
  const waiting: (() => void)[] = []
  let inFlight = 0
  let app: Options | undefined
  let loading: string | undefined
  let alive = true
  let online = true

  const fail = (message: string) => {
    throw new Error(message)
  }
  const later = (fn: () => void, ms = latency) => setTimeout(() => alive && fn(), ms)

  // --- storage ---
  const getStorageSync = (key: string) => {
    const text = alive ? storage.items.get(String(key)) : undefined
    return text === undefined ? '' : JSON.parse(text)
  }
  const setStorageSync = (key: string, data: unknown) => {
    if (!alive) return
    const text = JSON.stringify(data) ?? '""'
    if (Buffer.byteLength(text) > KEY_LIMIT)
      fail('setStorageSync:fail exceed storage item max length')
    const old = storage.items.get(key)
    const total = storage.size() - (old === undefined ? 0 : Buffer.byteLength(key + old))
    if (total + Buffer.byteLength(key + text) > TOTAL_LIMIT)
      fail('setStorageSync:fail exceed storage max size 10MB')
    storage.items.set(key, text)
  }

  // --- network ---
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
    const sent: SentRequest = {
      url,
      path: url.replace(/^https?:\/\/[^/]+/, '').replace(/\?.*$/, ''),
      method: option.method ?? 'GET',
      header: { ...option.header },
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
    const start = () => {
      inFlight++
      runtime.maxInFlight = Math.max(runtime.maxInFlight, inFlight)
      later(
        () => end('timeout', { errMsg: 'request:fail timeout', errno: 5 }, false),
        option.timeout ?? 60_000,
      )
      if (!online)
        return later(() => end('fail', { errMsg: 'request:fail', errno: 600001 }, false), 1)
      void Promise.resolve(options.server?.(sent) ?? { status: 200, body: {} }).then((reply) => {
        if (reply === 'hang') return
        if (reply === 'fail')
          return later(() =>
            end('fail', { errMsg: 'request:fail net::ERR_CONNECTION_RESET', errno: 600001 }, false),
          )
        later(() => {
          let data = reply.body ?? ''
          if (typeof data === 'string' && (option.dataType ?? 'json') === 'json')
            try {
              data = JSON.parse(data)
            } catch {
              // The runtime hands over the text when it is not JSON.
            }
          end(
            reply.status,
            { statusCode: reply.status, data, header: { ...reply.headers }, errMsg: 'request:ok' },
            true,
          )
        })
      })
    }
    if (inFlight < MAX_REQUESTS) start()
    else waiting.push(start)
    return { abort: () => end('fail', { errMsg: 'request:fail abort', errno: 1 }, false) }
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
  const top = () => stack[stack.length - 1]
  const open = (url: string) => {
    const { route, query } = parse(url)
    const definition = registry.get(route) ?? fail(`page "${route}" is not registered`)
    const data = JSON.parse(JSON.stringify(definition.data ?? {}))
    const page: Options = { ...definition, data, route, options: query }
    page.setData = (patch: Options) => Object.assign(page.data, patch)
    stack.push(page)
    call(page, 'onLoad', query)
    call(page, 'onShow')
    call(page, 'onReady')
    return page
  }

  const globals = {
    wx: {
      getStorageSync,
      setStorageSync,
      removeStorageSync: (key: string) => void (alive && storage.items.delete(key)),
      clearStorageSync: () => void (alive && storage.items.clear()),
      getStorageInfoSync: () => ({
        keys: [...storage.items.keys()],
        currentSize: Math.ceil(storage.size() / 1024),
        limitSize: TOTAL_LIMIT / 1024,
      }),
      request,
      ...(options.randomLatency === 'missing'
        ? {}
        : {
            getRandomValues(option: Options) {
              const answer = () => {
                if (!alive) return
                const bytes = (options.random ?? randomBytes)(option.length)
                const randomValues = new Uint8Array(bytes).buffer
                runtime.randomCalls++
                option.success?.({ randomValues, errMsg: 'getRandomValues:ok' })
                option.complete?.({ errMsg: 'getRandomValues:ok' })
              }
              const wait = options.randomLatency
              if (wait === undefined) queueMicrotask(answer)
              else if (typeof wait === 'number') later(answer, wait)
            },
          }),
      onAppShow: (fn: (o: unknown) => void) => void listeners.show.push(fn),
      onAppHide: (fn: () => void) => void listeners.hide.push(fn),
      onNetworkStatusChange: (fn: (r: { isConnected: boolean }) => void) =>
        void listeners.network.push(fn),
      showToast: (option: Options) => void runtime.ui.push(['showToast', option]),
      showModal: (option: Options) => void runtime.ui.push(['showModal', option]),
      navigateTo: ({ url }: { url: string }) => runtime.navigateTo(url),
      redirectTo: ({ url }: { url: string }) => runtime.redirectTo(url),
      navigateBack: ({ delta }: { delta?: number } = {}) => runtime.navigateBack(delta),
    },
    App: (options: Options) => {
      if (app) fail('App() can only be called once')
      app = options
    },
    Page: (options: Options) => {
      registry.set(loading ?? fail('Page() called outside a page file'), options)
    },
    getApp: () => app,
    getCurrentPages: () => [...stack],
  }
  for (const [name, value] of Object.entries(globals)) vi.stubGlobal(name, value)
  for (const name of ['btoa', 'atob', 'URLSearchParams', 'fetch', 'indexedDB', 'crypto'])
    vi.stubGlobal(name, undefined)

  const runtime = {
    wx: globals.wx,
    storage,
    requests,
    /** Toasts and modals shown, in order. */
    ui: [] as [string, Options][],
    /** The most requests that were in flight at once. */
    maxInFlight: 0,
    /** How many times `wx.getRandomValues` answered. */
    randomCalls: 0,
    /** Runs a page file (`run`): its `Page(...)` call registers the page under `route`. */
    loadPage(route: string, run: () => void) {
      loading = route
      try {
        run()
      } finally {
        loading = undefined
      }
    },
    /** A page file that only calls `Page(options)`. */
    definePage(route: string, options: Options) {
      runtime.loadPage(route, () => (globalThis as any).Page(options))
    },
    /** The app starts on `url`: `onLaunch` → `onShow` → page `onLoad` → `onShow` → `onReady`. */
    launch(url: string, scene = 1001) {
      const { route, query } = parse(url)
      const launch = { path: route, query, scene, referrerInfo: {} }
      call(app, 'onLaunch', launch)
      call(app, 'onShow', launch)
      for (const fn of listeners.show) fn(launch)
      return open(url)
    },
    /** Old page `onHide`, then the new page loads (the stack holds at most 10 pages). */
    navigateTo(url: string) {
      if (stack.length >= 10) fail('navigateTo:fail webview count limit exceed')
      call(top(), 'onHide')
      return open(url)
    },
    /** Old page `onUnload`, then the new page loads in its place. */
    redirectTo(url: string) {
      call(stack.pop(), 'onUnload')
      return open(url)
    },
    /** `onUnload` on each removed page, then `onShow` on the revealed one. */
    navigateBack(delta = 1) {
      for (let i = 0; i < delta && stack.length > 1; i++) call(stack.pop(), 'onUnload')
      call(top(), 'onShow')
      return top()
    },
    /** Page `onHide` → `App.onHide` (and `wx.onAppHide` listeners). */
    background() {
      call(top(), 'onHide')
      call(app, 'onHide')
      for (const fn of listeners.hide) fn()
    },
    /** `App.onShow` (and `wx.onAppShow` listeners) → page `onShow`. */
    foreground() {
      const show = { path: top()?.route, query: top()?.options, scene: 1001 }
      call(app, 'onShow', show)
      for (const fn of listeners.show) fn(show)
      call(top(), 'onShow')
    },
    /** The user shares the page (menu or a share button): what `onShareAppMessage` returned. */
    share(from: 'menu' | 'button' = 'menu') {
      return call(top(), 'onShareAppMessage', { from })
    },
    /** Network lost or back (`wx.onNetworkStatusChange`); offline requests fail. */
    setOnline(value: boolean) {
      online = value
      for (const fn of listeners.network) fn({ isConnected: value })
    },
    /** The current page instance. */
    get page() {
      return top()
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
export type FakeRuntime = ReturnType<typeof fakeWx>
