// The few WeChat mini-program APIs the adapter uses, named and shaped as in miniprogram-api-typings
// (`WechatMiniprogram.*`). That package declares globals (`console`, `require`, `setTimeout`...)
// that clash with the DOM and Node typings this repo compiles with, so it cannot be a dependency.

/** `wx.request` options (`WechatMiniprogram.RequestOption`). */
export interface WxRequestOption {
  url: string
  method?: 'GET' | 'POST'
  data?: string | Record<string, unknown>
  header?: Record<string, string>
  /** ms; the runtime's default is 60 000. */
  timeout?: number
  dataType?: string
  success?(result: WxRequestSuccess): void
  fail?(error: WxRequestFail): void
  complete?(result: WxRequestSuccess | WxRequestFail): void
}

/** `WechatMiniprogram.RequestSuccessCallbackResult`: called for any HTTP status. */
export interface WxRequestSuccess {
  statusCode: number
  data: unknown
  header: Record<string, string>
  errMsg?: string
}

/** `WechatMiniprogram.RequestFailCallbackErr`: timeout, abort, no network. */
export interface WxRequestFail {
  errMsg: string
  errno?: number
}

/** `wx.getRandomValues` options (base library 2.15.0+): `length` secure random bytes. */
export interface WxGetRandomValuesOption {
  length: number
  success?(result: { randomValues: ArrayBuffer }): void
  fail?(error: WxRequestFail): void
  complete?(): void
}

/** `WechatMiniprogram.RequestTask`: `abort` ends the request with `fail`. */
export interface WxRequestTask {
  abort(): void
}

/** The `wx` members the adapter calls; the optional ones are feature-detected. */
export interface WxApi {
  getStorageSync(key: string): unknown
  setStorageSync(key: string, data: unknown): void
  removeStorageSync(key: string): void
  request(option: WxRequestOption): WxRequestTask | undefined
  onAppShow?(listener: (options: unknown) => void): void
  onAppHide?(listener: () => void): void
  onNetworkStatusChange?(listener: (result: { isConnected: boolean }) => void): void
  /** Base library 3.5.5+: after each route's new page `onShow`, with the new page stack. */
  onAppRoute?(listener: () => void): void
  getRandomValues?(option: WxGetRandomValuesOption): void
}
