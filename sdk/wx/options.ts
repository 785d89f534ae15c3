import type { SharedOptions } from '../core/options.ts'
import type { WxApi } from './types.ts'

/**
 * Options of the mini-program `createTagwise`. Every option but `writeKey` and `endpoint` has a
 * working default; the others mean what they mean in the browser SDK.
 */
export interface MiniprogramOptions extends Pick<
  SharedOptions,
  | 'writeKey'
  | 'rules'
  | 'flushAt'
  | 'flushInterval'
  | 'maxQueue'
  | 'sessionTimeoutMinutes'
  | 'consent'
  | 'debug'
> {
  /**
   * Base URL of the collector; its domain must be on the mini-program's "request" domain list.
   * @example 'https://collect.example.com'
   */
  endpoint: string
  /** The runtime's API object. @default the global `wx` */
  wx?: WxApi
  /** Send a `screen` event `{ path: '/' + route, query }` each time a page shows. @default true */
  autoPage?: boolean
  /** Send `Page Left` `{ path, dwell_ms }` (foreground time) when a page is left. @default true */
  dwell?: boolean
}
