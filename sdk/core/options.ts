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

/** `value`, or `fallback` when it is `undefined` (an option given as `undefined` gets its default). */
export const or = <T>(value: T | undefined, fallback: T): T =>
  value === undefined ? fallback : value

/** Applies the defaults of the shared options; `origin` is the default endpoint. */
export function resolveOptions(options: SharedOptions, origin: string): ResolvedOptions {
  return {
    writeKey: options.writeKey,
    endpoint: or(options.endpoint, origin).replace(/\/+$/, ''),
    rules: or(options.rules, 'remote'),
    autoPage: or(options.autoPage, true),
    dwell: or(options.dwell, true),
    flushAt: or(options.flushAt, 20),
    flushInterval: or(options.flushInterval, 2000),
    maxQueue: or(options.maxQueue, 1000),
    sessionTimeoutMinutes: or(options.sessionTimeoutMinutes, 30),
    consent: or(options.consent, true),
    debug: or(options.debug, false),
  }
}
