import type { MiniOptions } from '../mini/options.ts'
import type { TtApi } from './types.ts'

/** Options of the Douyin `createTagwise` (`tagwise/miniprogram/douyin`). */
export interface DouyinOptions extends MiniOptions {
  /** The runtime's API object. @default the global `tt` */
  tt?: TtApi
}
