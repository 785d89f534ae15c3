import type { HttpResponse, Platform } from '../core/platform.ts'
import type { RequestTask, SendRequest } from './host.ts'

/** Requests of the SDK in flight at once: WeChat and Douyin allow 10 for the whole app. */
export const MAX_IN_FLIGHT = 3
/** A batch that has not answered in this time is retried (the runtimes' defaults: 30–60 s). */
export const REQUEST_TIMEOUT_MS = 10_000
/**
 * The adapter's own deadline, past the `timeout` the runtimes are asked for: it ends requests on
 * runtimes that ignore that option (Douyin before base library 2.31.0 waits 60 s).
 */
export const DEADLINE_MS = REQUEST_TIMEOUT_MS + 1000

/**
 * The {@link Platform}'s `request` over a runtime's `send`: its answer for any HTTP status
 * resolves (the caller checks it), a failure without one (timeout, no network, abort) rejects,
 * and so does a request still unanswered at {@link DEADLINE_MS} (then aborted). At most
 * {@link MAX_IN_FLIGHT} run at once, the others wait, so the app keeps most of the runtime's
 * concurrent requests for itself.
 */
export function queuedRequest(send: SendRequest): Platform['_request'] {
  let running = 0
  const waiting: (() => void)[] = []
  const next = () => {
    running--
    waiting.shift()?.()
  }
  return (url, init) =>
    new Promise<HttpResponse>((resolve, reject) => {
      const start = () => {
        running++
        let done = false
        let task: RequestTask | undefined | void
        const end = () => {
          if (done) return false
          done = true
          clearTimeout(deadline)
          next()
          return true
        }
        const deadline = setTimeout(() => {
          if (!end()) return
          reject(new Error('request:fail timeout'))
          try {
            task?.abort?.()
          } catch {
            // Already over, as far as the SDK is concerned.
          }
        }, DEADLINE_MS)
        try {
          task = send(url, init, {
            response: (response) => end() && resolve(response),
            failure: (error) => end() && reject(error),
          })
        } catch (error) {
          if (end()) reject(error)
        }
      }
      if (running < MAX_IN_FLIGHT) start()
      else waiting.push(start)
    })
}
