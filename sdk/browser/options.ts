import type { SharedOptions } from '../core/options.ts'

/** Options of the browser's {@link createTagwise}. Every option but `writeKey` has a working default. */
export interface TagwiseOptions extends SharedOptions {
  /** Send `Coupon Claimed` on clicks of `[data-tw-coupon]` elements. @default true */
  coupons?: boolean
  /** Attach web vitals (loaded lazily) to `Page Left`. @default true */
  vitals?: boolean
  /** Apply `data-tw-show-if` / `data-tw-hide-if` and `<html data-tw-tags>`. @default true */
  personalize?: boolean
  /** Where the queue, identity and tags persist; `'indexeddb'` falls back to memory when unavailable. @default 'indexeddb' */
  storage?: 'indexeddb' | 'memory'
  /** The `fetch` to use (tests, wrappers). @default globalThis.fetch */
  fetch?: typeof fetch
  /** Aborting it stops capture, timers and personalization (single-page-app teardown, tests). */
  signal?: AbortSignal
}

/** What the browser captures and does besides the shared options, with the defaults applied. */
export interface BrowserFeatures {
  coupons: boolean
  vitals: boolean
  personalize: boolean
}

/** Applies the defaults of the browser-only features. */
export function resolveBrowserFeatures(options: TagwiseOptions): BrowserFeatures {
  const { coupons = true, vitals = true, personalize = true } = options
  return { coupons, vitals, personalize }
}
