// The few Alipay mini-program APIs the adapter uses, named and shaped as in Alipay's open-docs
// (opendocs.alipay.com/mini/api): object arguments for storage, `headers` and `status` for
// requests, numeric `error` codes instead of WeChat's `errMsg`.

/** `my.request` options (base library 1.11.0+). */
export interface MyRequestOption {
  url: string
  method?: 'GET' | 'POST'
  data?: string | Record<string, unknown>
  /** Not `header`: keys and values must be strings. */
  headers?: Record<string, string>
  /** ms; the runtime's default is 30 000. */
  timeout?: number
  /** `json` (the default) fails with error 14 on a body that is not JSON; `text` never does. */
  dataType?: 'json' | 'text' | 'base64' | 'arraybuffer'
  success?(result: MyRequestSuccess): void
  fail?(error: MyRequestFail): void
  complete?(result: MyRequestSuccess | MyRequestFail): void
}

/** The `success` result: a 2xx answer. */
export interface MyRequestSuccess {
  status: number
  headers: Record<string, string>
  data: unknown
}

/**
 * The `fail` result: `error` 19 is an HTTP status outside 2xx, which then comes with the answer's
 * `status`, `headers` and `data`; 12 no network, 13 timeout, 14 undecodable body, 9 aborted.
 */
export interface MyRequestFail {
  error: number
  errorMessage?: string
  status?: number
  headers?: Record<string, string>
  data?: unknown
}

/** `my.request`'s `RequestTask`: `abort` ends the request with `fail` (error 9). */
export interface MyRequestTask {
  abort(): void
}

/** What `my.setStorageSync` returns when it refuses (error 14: over 200 KB; 12: 10 MB in all). */
export interface MyStorageError {
  error?: number
  errorMessage?: string
}

/** The `my` members the adapter calls; the optional ones are feature-detected. */
export interface MyApi {
  getStorageSync(option: { key: string }): { data?: unknown } | undefined
  /** Does not throw: a refused write returns `{ error, errorMessage }`. */
  setStorageSync(option: { key: string; data: unknown }): MyStorageError | undefined
  removeStorageSync(option: { key: string }): unknown
  request(option: MyRequestOption): MyRequestTask | undefined
  /** Base library 1.20.0+. */
  onAppShow?(listener: (options: unknown) => void): void
  /** Base library 1.20.0+. */
  onAppHide?(listener: () => void): void
  onNetworkStatusChange?(listener: (result: { isConnected: boolean }) => void): void
}
