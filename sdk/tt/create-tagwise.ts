import type { Tagwise } from '../core/api.ts'
import { startOrInert } from '../core/inert.ts'
import { startMiniprogram } from '../mini/start.ts'
import { wxHost } from '../wx/host.ts'
import type { DouyinOptions } from './options.ts'
import type { TtApi } from './types.ts'

// The runtime's global (not imported: it exists in Douyin mini-programs only).
declare const tt: TtApi | undefined

/**
 * Starts tagwise in a Douyin (ByteDance) mini-program: wraps `Page()` and `Component()` (pages
 * built with it have their page hooks in `methods`) to send a `screen` event each time a page
 * shows and `Page Left` `{ path, dwell_ms }` when it is left, tracks `Share`, evaluates session
 * tags on the device and sends every event to the collector through `tt.request` (persisted in
 * `tt` storage until acknowledged). `tt` has `wx`'s shape, so it runs on the WeChat adapter's
 * host. Call it in `app.js` before `App(...)`. Never throws.
 *
 * @example
 * // app.js
 * const { createTagwise } = require('./libs/tagwise-douyin.js')
 * const tw = createTagwise({ writeKey: 'demo-write-key', endpoint: 'https://collect.example.com' })
 * App({ tw })
 */
export function createTagwise(options: DouyinOptions): Tagwise {
  return startOrInert(options, start)
}

function start(options: DouyinOptions): Tagwise {
  const api = options.tt ?? (typeof tt === 'undefined' ? undefined : tt)
  if (!api) throw new Error('no `tt` here: pass { tt }')
  return startMiniprogram(options, wxHost(api))
}
