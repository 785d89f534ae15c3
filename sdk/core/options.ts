import type { RulesDocument } from '../../rules/index.ts'

/** Options of {@link createTagwise}. Every option but `writeKey` has a working default. */
export interface TagwiseOptions {
  /** The source's public write key (safe to ship in page HTML). */
  writeKey: string
  /**
   * Base URL of the collector.
   * @default the origin of the `tagwise.js` script (script tag), else the page's origin
   */
  endpoint?: string
  /**
   * The rules document to evaluate on the device, or `'remote'` to load the collector's active
   * document (`GET /v1/rules`, cached with its ETag so later page loads need no request first).
   * @default 'remote'
   */
  rules?: RulesDocument | 'remote'
  /** Send a `page` event at start and on every SPA navigation. @default true */
  autoPage?: boolean
  /** Send `Page Left` `{ path, dwell_ms }` (visible time) when a page is left. @default true */
  dwell?: boolean
  /** Send `Coupon Claimed` on clicks of `[data-tw-coupon]` elements. @default true */
  coupons?: boolean
  /** Attach web vitals (loaded lazily) to `Page Left`. @default true */
  vitals?: boolean
  /** Apply `data-tw-show-if` / `data-tw-hide-if` and `<html data-tw-tags>`. @default true */
  personalize?: boolean
  /** Send as soon as this many events are queued. @default 20 */
  flushAt?: number
  /** Otherwise send queued events this often (ms). @default 2000 */
  flushInterval?: number
  /** Most events kept while they cannot be sent; the oldest are dropped (and counted). @default 1000 */
  maxQueue?: number
  /** Inactivity after which a new session (`context.sessionId`) starts. @default 30 */
  sessionTimeoutMinutes?: number
  /** Where the queue, identity and tags persist; `'indexeddb'` falls back to memory when unavailable. @default 'indexeddb' */
  storage?: 'indexeddb' | 'memory'
  /** Whether sending and storing are allowed; see `consent()`. @default true */
  consent?: boolean
  /** Log what the SDK does and drops to the console. @default false */
  debug?: boolean
  /** The `fetch` to use (tests, wrappers). @default globalThis.fetch */
  fetch?: typeof fetch
  /** Aborting it stops capture, timers and personalization (single-page-app teardown, tests). */
  signal?: AbortSignal
}

/** Options with their defaults applied (`storage` and `debug` mean their default when absent). */
export type ResolvedOptions = Required<
  Omit<TagwiseOptions, 'fetch' | 'signal' | 'storage' | 'debug'>
> &
  Pick<TagwiseOptions, 'fetch' | 'signal' | 'storage' | 'debug'>

/** Applies the defaults (an option given as `undefined` gets its default too). */
export function resolveOptions(options: TagwiseOptions, origin: string): ResolvedOptions {
  const resolved: Record<string, unknown> = {
    endpoint: origin,
    rules: 'remote',
    autoPage: true,
    dwell: true,
    coupons: true,
    vitals: true,
    personalize: true,
    flushAt: 20,
    flushInterval: 2000,
    maxQueue: 1000,
    sessionTimeoutMinutes: 30,
    consent: true,
  }
  for (const [name, value] of Object.entries(options))
    if (value !== undefined) resolved[name] = value
  resolved.endpoint = (resolved.endpoint as string).replace(/\/+$/, '')
  return resolved as ResolvedOptions
}
