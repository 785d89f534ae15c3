import type { MiniOptions } from '../mini/options.ts'
import type { MyApi } from './types.ts'

/** Options of the Alipay `createTagwise` (`tagwise/miniprogram/alipay`). */
export interface AlipayOptions extends MiniOptions {
  /** The runtime's API object. @default the global `my` */
  my?: MyApi
}
