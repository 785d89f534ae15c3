import type { RulesDocument } from '../../rules/index.ts'

/** The options every platform's `createTagwise` takes. Every option but `writeKey` has a default. */
export interface SharedOptions {
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
  /** Send as soon as this many events are queued. @default 20 */
  flushAt?: number
  /** Otherwise send queued events this often (ms). @default 2000 */
  flushInterval?: number
  /** Most events kept while they cannot be sent; the oldest are dropped (and counted). @default 1000 */
  maxQueue?: number
  /** Inactivity after which a new session (`context.sessionId`) starts. @default 30 */
  sessionTimeoutMinutes?: number
  /** Whether sending and storing are allowed; see `consent()`. @default true */
  consent?: boolean
  /** Log what the SDK does and drops to the console. @default false */
  debug?: boolean
}

/** The shared options with their defaults applied. */
export type ResolvedOptions = Required<SharedOptions>

/**
 * Applies the defaults of the shared options (an option given as `undefined` gets its default, as
 * destructuring gives it); `origin` is the default endpoint.
 */
export function resolveOptions(options: SharedOptions, origin: string): ResolvedOptions {
  const {
    writeKey,
    endpoint = origin,
    rules = 'remote',
    autoPage = true,
    dwell = true,
    flushAt = 20,
    flushInterval = 2000,
    maxQueue = 1000,
    sessionTimeoutMinutes = 30,
    consent = true,
    debug = false,
  } = options
  return {
    writeKey,
    endpoint: endpoint.replace(/\/+$/, ''),
    rules,
    autoPage,
    dwell,
    flushAt,
    flushInterval,
    maxQueue,
    sessionTimeoutMinutes,
    consent,
    debug,
  }
}
