import type { MiniOptions } from '../mini/options.ts'
import type { WxApi } from './types.ts'

/** Options of the WeChat `createTagwise` (`tagwise/miniprogram`). */
export interface MiniprogramOptions extends MiniOptions {
  /** The runtime's API object. @default the global `wx` */
  wx?: WxApi
}
