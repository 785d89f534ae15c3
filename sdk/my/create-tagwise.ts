import type { Tagwise } from '../core/api.ts'
import { startOrInert } from '../core/inert.ts'
import { startMiniprogram } from '../mini/start.ts'
import { myHost } from './host.ts'
import type { AlipayOptions } from './options.ts'
import type { MyApi } from './types.ts'

// The runtime's global (not imported: it exists in Alipay mini-programs only).
declare const my: MyApi | undefined

/**
 * Starts tagwise in an Alipay mini-program: wraps `Page()` to send a `screen` event each time a
 * page shows (its query from `onLoad`) and `Page Left` `{ path, dwell_ms }` when it is left,
 * tracks `Share`, evaluates session tags on the device and sends every event to the collector
 * through `my.request` (persisted in `my` storage until acknowledged). Call it in `app.js` before
 * `App(...)`. Never throws.
 *
 * @example
 * // app.js
 * const { createTagwise } = require('./libs/tagwise-alipay.js')
 * const tw = createTagwise({ writeKey: 'demo-write-key', endpoint: 'https://collect.example.com' })
 * App({ tw })
 */
export function createTagwise(options: AlipayOptions): Tagwise {
  return startOrInert(options, start)
}

function start(options: AlipayOptions): Tagwise {
  const api = options.my ?? (typeof my === 'undefined' ? undefined : my)
  if (!api) throw new Error('no `my` here: pass { my }')
  return startMiniprogram(options, myHost(api))
}
