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

/** The `wx` members the adapter calls; every one is feature-detected. */
export interface WxApi {
  getStorageSync(key: string): unknown
  setStorageSync(key: string, data: unknown): void
  removeStorageSync(key: string): void
  request(option: WxRequestOption): unknown
  onAppShow?(listener: (options: unknown) => void): void
  onAppHide?(listener: () => void): void
  onNetworkStatusChange?(listener: (result: { isConnected: boolean }) => void): void
  getRandomValues?(option: WxGetRandomValuesOption): void
}

/** A page instance (`WechatMiniprogram.Page.Instance`): its route and query. */
export interface WxPageInstance {
  route?: string
  options?: Record<string, string | undefined>
}

/** `Page()` options (`WechatMiniprogram.Page.Options`), lifecycle hooks only. */
export type WxPageOptions = Record<string, unknown> & {
  onShow?(this: WxPageInstance): void
  onHide?(this: WxPageInstance): void
  onUnload?(this: WxPageInstance): void
  onShareAppMessage?(this: WxPageInstance, options: { from?: string }): unknown
  onShareTimeline?(this: WxPageInstance): unknown
}

/** The global `Page` constructor. */
export type WxPage = (options: WxPageOptions) => void
