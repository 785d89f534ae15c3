import type { HttpResponse, Platform } from '../core/platform.ts'
import type { WxApi, WxRequestSuccess } from './types.ts'

/** Requests of the SDK in flight at once: the runtime allows 10 for the whole app. */
export const MAX_IN_FLIGHT = 3
/** A batch that has not answered in this time is retried (the runtime's default is 60 s). */
export const REQUEST_TIMEOUT_MS = 10_000

const response = (result: WxRequestSuccess): HttpResponse => {
  const header = result.header ?? {}
  return {
    status: result.statusCode,
    headers: {
      get(name) {
        const key = Object.keys(header).find((k) => k.toLowerCase() === name.toLowerCase())
        return key === undefined ? null : String(header[key])
      },
    },
    // `dataType: 'json'` parsed it already when it was JSON.
    json: async () => (typeof result.data === 'string' ? JSON.parse(result.data) : result.data),
  }
}

/**
 * The {@link Platform}'s `request` over `wx.request`: `success` comes for any HTTP status (the
 * caller checks it), `fail` (timeout, no network, abort) rejects. At most {@link MAX_IN_FLIGHT}
 * run at once, the others wait, so the app keeps most of the runtime's 10 for itself.
 */
export function wxRequest(wx: WxApi): Platform['_request'] {
  let running = 0
  const waiting: (() => void)[] = []
  const next = () => {
    running--
    waiting.shift()?.()
  }
  return (url, init) =>
    new Promise<HttpResponse>((resolve, reject) => {
      const send = () => {
        running++
        let done = false
        const end = () => {
          if (done) return false
          done = true
          next()
          return true
        }
        try {
          wx.request({
            url,
            method: init.method,
            header: init.headers ?? {},
            ...(init.body === undefined ? {} : { data: init.body }),
            dataType: 'json',
            timeout: REQUEST_TIMEOUT_MS,
            success: (result) => end() && resolve(response(result)),
            fail: (error) => end() && reject(new Error(error?.errMsg ?? 'request:fail')),
          })
        } catch (error) {
          if (end()) reject(error)
        }
      }
      if (running < MAX_IN_FLIGHT) send()
      else waiting.push(send)
    })
}
