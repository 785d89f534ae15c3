import type { Tagwise } from '../core/api.ts'
import { startOrInert } from '../core/inert.ts'
import { startMiniprogram } from '../mini/start.ts'
import { wxHost } from './host.ts'
import type { MiniprogramOptions } from './options.ts'
import type { WxApi } from './types.ts'

// The runtime's global (not imported: it exists in WeChat mini-programs only).
declare const wx: WxApi | undefined

/**
 * Starts tagwise in a WeChat mini-program: wraps `Page()` and `Component()` (pages built with it,
 * as Taro and uni-app build them, have their page hooks in `methods`) to send a `screen` event
 * each time a page shows and `Page Left` `{ path, dwell_ms }` (foreground time) when it is left,
 * tracks `Share` from share handlers, evaluates session tags on the device and sends every event
 * to the collector through `wx.request` (persisted in `wx` storage until acknowledged). Call it in
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
  return startMiniprogram(options, wxHost(api))
}
