import type { Json } from '../../rules/index.ts'
import type { Tagwise } from '../core/api.ts'
import { startOrInert } from '../core/inert.ts'
import { createInstance } from '../core/instance.ts'
import { resolveOptions } from '../core/options.ts'
import { createPageVisits } from '../core/page-visits.ts'
import type { MiniprogramOptions } from './options.ts'
import { wrapPages } from './pages.ts'
import { wxPlatform } from './platform.ts'
import type { WxApi, WxPageInstance } from './types.ts'

// The runtime's globals (not imported: they exist in mini-programs only).
declare const wx: WxApi | undefined
declare const getCurrentPages: (() => WxPageInstance[]) | undefined

/** The screen on show: `path` is `'/' + route`, the form `wx.navigateTo` and share paths use. */
interface Screen {
  path: string
  query: Record<string, string>
  referrer: string
}

/**
 * Starts tagwise in a WeChat-style mini-program: wraps `Page()` to send a `screen` event each time
 * a page shows and `Page Left` `{ path, dwell_ms }` (foreground time) when it is left, tracks
 * `Share` from share handlers, evaluates session tags on the device and sends every event to the
 * collector through `wx.request` (persisted in `wx` storage until acknowledged). Call it in
 * `app.js` before `App(...)`, so every page registered later is captured. Never throws.
 *
 * @example
 * // app.js
 * const { createTagwise } = require('./libs/tagwise-miniprogram.js')
 * const tw = createTagwise({ writeKey: 'demo-write-key', endpoint: 'https://collect.example.com' })
 * App({ tw })
 *
 * // pages/coupon/index.js
 * const { tw } = getApp()
 * Page({
 *   claim(e) { tw.track('Coupon Claimed', { coupon_id: e.currentTarget.dataset.id }) },
 * })
 */
export function createTagwise(options: MiniprogramOptions): Tagwise {
  return startOrInert(options, start)
}

function start(options: MiniprogramOptions): Tagwise {
  const api = options.wx ?? (typeof wx === 'undefined' ? undefined : wx)
  if (!api) throw new Error('no `wx` here: pass { wx }')
  const resolved = resolveOptions(options, '')
  if (!resolved.endpoint) throw new Error('pass { endpoint }: the collector URL')
  const log = (...args: unknown[]) => {
    if (resolved.debug) console.debug('[tagwise]', ...args)
  }
  let screen: Screen = { path: '', query: {}, referrer: '' }
  const platform = wxPlatform(api, () => ({ page: { ...screen } }), log)
  const instance = createInstance(resolved, platform)
  const tw = instance._api
  const visits = createPageVisits(resolved.dwell, tw.track)
  /** The page instance whose visit is open. */
  let current: WxPageInstance | undefined
  let hiddenAt: number | undefined
  /** The app was in the background for a whole session timeout: the shown page is a new visit. */
  let expired = false

  const leave = () => {
    current = undefined
    visits.leave()
  }
  const enter = (page: WxPageInstance) => {
    // The route as the runtime reports it when the page shows (see MINIPROGRAM.md: the stack during
    // the previous page's onHide is not specified).
    const top = typeof getCurrentPages === 'function' ? getCurrentPages().slice(-1)[0] : undefined
    const shown = top ?? page
    const route = shown.route ?? page.route ?? ''
    const query: Record<string, string> = {}
    for (const [k, v] of Object.entries(shown.options ?? {})) if (v !== undefined) query[k] = v
    screen = { path: `/${route}`, query, referrer: screen.path }
    current = page
    if (resolved.autoPage)
      instance._record({ type: 'screen', name: route, properties: { path: screen.path, query } })
    visits.enter(screen.path, true)
  }

  wrapPages({
    show(page) {
      if (page === current && !expired) visits.visibility(true)
      else {
        leave()
        enter(page)
      }
      expired = false
    },
    hide(page) {
      if (page === current) visits.visibility(false)
    },
    unload(page) {
      if (page === current) leave()
    },
    share(channel, result, from) {
      const properties: Record<string, Json> = { path: screen.path, channel }
      if (from) properties.from = from
      const target = (result as { path?: unknown } | undefined)?.path
      if (typeof target === 'string') properties.share_path = target
      tw.track('Share', properties)
    },
  })
  api.onAppHide?.(() => {
    hiddenAt = Date.now()
    platform._setVisible(false)
    instance._visibility(false)
  })
  api.onAppShow?.(() => {
    expired =
      hiddenAt !== undefined && Date.now() - hiddenAt >= resolved.sessionTimeoutMinutes * 60_000
    hiddenAt = undefined
    platform._setVisible(true)
    instance._visibility(true)
  })
  api.onNetworkStatusChange?.(({ isConnected }) => {
    platform._setOnline(isConnected)
    if (isConnected) instance._online()
  })
  return tw
}
