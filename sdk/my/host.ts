import type { MiniHost } from '../mini/host.ts'
import { mySend } from './request.ts'
import type { MyApi } from './types.ts'

/**
 * Alipay's `my` as the shared layer uses it. Storage takes `{ key, data }` objects, reads return
 * `{ data }`, and a refused write returns an error instead of throwing (made a throw here, so the
 * queue is trimmed as on the other runtimes); a key holds 200 KB. Alipay has no secure random
 * source: ids come from `Math.random`. Pages are built with `Page()` only (Alipay's `Component()`
 * makes custom components, never pages).
 */
export function myHost(api: MyApi): MiniHost {
  return {
    send: mySend(api),
    storage: {
      get: (key) => api.getStorageSync({ key })?.data,
      set(key, data) {
        const refused = api.setStorageSync({ key, data })
        if (refused?.error !== undefined)
          throw new Error(refused.errorMessage ?? `setStorageSync:fail ${refused.error}`)
      },
      remove: (key) => void api.removeStorageSync({ key }),
    },
    maxKeyBytes: 200_000,
    onAppShow: (listener) => api.onAppShow?.(listener),
    onAppHide: (listener) => api.onAppHide?.(listener),
    onNetworkStatusChange: (listener) => api.onNetworkStatusChange?.(listener),
    componentPages: false,
  }
}
