import type { SharedOptions } from '../core/options.ts'

/**
 * Options of a mini-program `createTagwise` (WeChat, Alipay, Douyin; each adds the option that
 * passes its runtime's API object). Every option but `writeKey` and `endpoint` has a working
 * default; the others mean what they mean in the browser SDK.
 */
export interface MiniOptions extends Pick<
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
   * Base URL of the collector; its domain must be on the mini-program's request domain list.
   * @example 'https://collect.example.com'
   */
  endpoint: string
  /** Send a `screen` event `{ path: '/' + route, query }` each time a page shows. @default true */
  autoPage?: boolean
  /** Send `Page Left` `{ path, dwell_ms }` (foreground time) when a page is left. @default true */
  dwell?: boolean
}
