import type { Tagwise } from '../core/api.ts'
import { browserPlatform } from './platform.ts'
import { captureCoupons } from './coupons.ts'
import { createDwell } from '../core/dwell.ts'
import { onLifecycle } from './lifecycle.ts'
import { capturePages } from './pages.ts'
import { captureVitals } from './vitals.ts'
import { createCore } from '../core/instance.ts'
import { inertTagwise } from '../core/inert.ts'
import { resolveOptions, type TagwiseOptions } from '../core/options.ts'
import { personalize } from './personalize.ts'

interface Page {
  path: string
  url: string
  referrer: string
}

const readPage = (referrer: string): Page =>
  typeof location === 'undefined'
    ? { path: '', url: '', referrer }
    : { path: location.pathname, url: location.href, referrer }

/**
 * Starts tagwise in a browser page: captures page views (incl. SPA navigation), visible dwell,
 * coupon claims and web vitals, evaluates session tags on the device, personalizes the page and
 * sends every event to the collector. Never throws; works without IndexedDB, `fetch`,
 * `sendBeacon` or `MutationObserver` (with less).
 *
 * @example
 * import { createTagwise } from 'tagwise'
 *
 * const tw = createTagwise({ writeKey: 'demo-write-key', endpoint: 'https://collect.example.com' })
 * tw.on('change', () => {
 *   if (tw.has('checkout_hesitant')) showHelpBanner()
 * })
 * tw.track('Product Viewed', { category: 'luggage' })
 */
export function createTagwise(options: TagwiseOptions): Tagwise {
  try {
    return start(options)
  } catch (error) {
    if (options?.debug) console.debug('[tagwise]', error)
    return inertTagwise()
  }
}

function start(options: TagwiseOptions): Tagwise {
  const origin = typeof location === 'undefined' ? '' : location.origin
  const o = resolveOptions(options, origin)
  const signal = o.signal
  let page = readPage(typeof document === 'undefined' ? '' : document.referrer)
  const nav = typeof navigator === 'undefined' ? undefined : navigator
  const context = () => ({
    page: { ...page, title: typeof document === 'undefined' ? '' : document.title },
    userAgent: nav?.userAgent,
    locale: nav?.language,
  })
  const platform = browserPlatform(o.storage, o.fetch, context)
  const core = createCore(o, platform)
  const tw = core.api
  const dwell = createDwell()
  /** The page load's vitals, for its first `Page Left` (SPA pages after it have none of their own). */
  let vitals = o.vitals ? captureVitals() : undefined

  const leave = () => {
    const left = o.dwell ? dwell.leave() : undefined
    if (left) {
      tw.track('Page Left', { ...left, ...vitals })
      vitals = undefined
    }
  }
  const enter = () => {
    if (o.autoPage) tw.page()
    dwell.start(page.path, platform.visible())
  }
  try {
    enter()
    capturePages(() => {
      leave()
      page = readPage(page.url)
      enter()
    }, signal)
    onLifecycle(
      {
        visibility(visible) {
          dwell.visibility(visible)
          core.visibility(visible)
        },
        pagehide() {
          leave()
          core.leave()
        },
        pageshow: enter,
        online: core.online,
      },
      signal,
    )
    if (o.coupons) captureCoupons((properties) => tw.track('Coupon Claimed', properties), signal)
    if (o.personalize) {
      const apply = personalize(tw.tags, signal)
      tw.on('change', () => apply(tw.tags()))
      void tw.ready.then(() => apply(tw.tags()))
    }
    signal?.addEventListener('abort', core.stop)
  } catch (error) {
    if (o.debug) console.debug('[tagwise]', error)
  }
  return tw
}
