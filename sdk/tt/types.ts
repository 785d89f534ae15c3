import type { WxApi } from '../wx/types.ts'

/**
 * The `tt` members the adapter calls: Douyin's API has WeChat's shape (`tt.request` with `header`
 * and `statusCode`, `success` for any HTTP status; `tt.*StorageSync(key, data)`, 1 MB per key,
 * throwing past it; `tt.getRandomValues` from base library 2.87.0). Where it differs, it is in
 * what older base libraries lack: `timeout` is honored from 2.31.0 only.
 */
export type TtApi = WxApi
