import type { Tagwise } from '../core/api.ts'
import { startOrInert } from '../core/inert.ts'
import { createInstance } from '../core/instance.ts'
import { resolveOptions } from '../core/options.ts'
import { createPageVisits } from '../core/page-visits.ts'
import { captureCoupons } from './coupons.ts'
import { onLifecycle } from './lifecycle.ts'
import { resolveBrowserFeatures, type TagwiseOptions } from './options.ts'
import { capturePages } from './pages.ts'
import { personalize } from './personalize.ts'
import { browserPlatform, type Page } from './platform.ts'
import { captureVitals } from './vitals.ts'

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
  return startOrInert(options, start)
}

function start(options: TagwiseOptions): Tagwise {
  const origin = typeof location === 'undefined' ? '' : location.origin
  const resolved = resolveOptions(options, origin)
  const features = resolveBrowserFeatures(options)
  const { signal } = options
  let page = readPage(typeof document === 'undefined' ? '' : document.referrer)
  const platform = browserPlatform(options.storage, options.fetch, () => page, signal)
  const instance = createInstance(resolved, platform)
  const tw = instance._api
  const visits = createPageVisits(resolved.dwell, tw.track)
  /** The page load's vitals, for its first `Page Left` (SPA pages after it have none of their own). */
  let vitals = features.vitals ? captureVitals() : undefined

  const leave = () => {
    if (visits.leave(vitals)) vitals = undefined
  }
  const enter = () => {
    if (resolved.autoPage) tw.page()
    visits.enter(page.path, platform._visible())
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
          visits.visibility(visible)
          instance._visibility(visible)
        },
        pagehide(persisted) {
          // Into the back/forward cache: IndexedDB waits until the page is back (storage.ts), and
          // what it has not stored goes to the synchronous backup (instance._leave).
          if (persisted) platform._hold(true)
          leave()
          instance._leave()
        },
        pageshow() {
          platform._hold(false)
          enter()
        },
        online: instance._online,
      },
      signal,
    )
    if (features.coupons)
      captureCoupons((properties) => tw.track('Coupon Claimed', properties), signal)
    if (features.personalize) {
      const apply = personalize(tw.tags, signal)
      tw.on('change', () => apply(tw.tags()))
      void tw.ready.then(() => apply(tw.tags()))
    }
    signal?.addEventListener('abort', instance._stop)
  } catch (error) {
    if (resolved.debug) console.debug('[tagwise]', error)
  }
  return tw
}
