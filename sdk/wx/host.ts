import type { MiniHost } from '../mini/host.ts'
import { wxSend } from './request.ts'
import type { WxApi } from './types.ts'

/**
 * A WeChat-shaped runtime (`wx`; Douyin's `tt` has the same members) as the shared layer uses it.
 * `maxKeyBytes` leaves room under the runtime's 1 MB per key for the key and its own wrapping.
 */
export function wxHost(api: WxApi): MiniHost {
  const getRandomValues = api.getRandomValues
  return {
    send: wxSend(api),
    storage: {
      get: (key) => api.getStorageSync(key),
      set: (key, value) => api.setStorageSync(key, value),
      remove: (key) => api.removeStorageSync(key),
    },
    maxKeyBytes: 1_000_000,
    ...(getRandomValues ? { getRandomValues: (option) => getRandomValues.call(api, option) } : {}),
    onAppShow: (listener) => api.onAppShow?.(listener),
    onAppHide: (listener) => api.onAppHide?.(listener),
    onNetworkStatusChange: (listener) => api.onNetworkStatusChange?.(listener),
    onAppRoute: (listener) => api.onAppRoute?.(listener),
    componentPages: true,
  }
}
