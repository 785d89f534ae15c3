import type { TagwiseOptions } from './options.ts'
import type { Platform } from '../core/platform.ts'
import { shareConsent } from './shared-consent.ts'
import { indexedDbStore, memoryStore, type HeldStore } from './storage.ts'

/**
 * A request that has not ended in this time is aborted (and retried later): a request that never
 * ends would hold the queue, since one flush at a time is in flight. Long enough for a full batch
 * (480 KB) at 16 KB/s.
 */
export const REQUEST_TIMEOUT_MS = 30_000

/** The page being viewed, as events carry it in `context.page` (with its title). */
export interface Page {
  path: string
  url: string
  referrer: string
}

/** The browser's platform: the {@link Platform}, and a hold on IndexedDB (`HeldStore`). */
export interface BrowserPlatform extends Platform {
  _hold: HeldStore['_hold']
}

/** The browser's implementation of the {@link Platform}; every feature is detected, none assumed. */
export function browserPlatform(
  storage: TagwiseOptions['storage'],
  customFetch: typeof fetch | undefined,
  currentPage: () => Page,
  signal: AbortSignal | undefined,
): BrowserPlatform {
  const nav = typeof navigator === 'undefined' ? undefined : navigator
  const idb = storage === 'memory' ? undefined : indexedDbStore()
  return {
    _store: idb ?? memoryStore(),
    _hold: (held) => idb?._hold(held),
    // Looked up per call, and called unbound (`fetch` throws "Illegal invocation" on a wrong `this`);
    // without any, the call's TypeError is the rejection. The timeout covers reading the answer
    // too. Browsers without `AbortSignal.timeout` (before Chrome 103, Safari 16, Firefox 100) have
    // only the network's own timeouts.
    _request: async (url, init) =>
      (customFetch ?? globalThis.fetch)(url, {
        ...init,
        credentials: 'omit',
        signal: globalThis.AbortSignal?.timeout?.(REQUEST_TIMEOUT_MS),
      }),
    // A string body is sent as text/plain, which needs no CORS preflight.
    _beacon: (url, body) => !!nav?.sendBeacon?.(url, body),
    // `storage: 'memory'` asks for nothing to outlive the page: no backup either.
    _backup:
      storage === 'memory'
        ? undefined
        : {
            write: (key, value) => {
              try {
                localStorage.setItem(key, JSON.stringify(value))
              } catch {
                // Storage blocked or full: the asynchronous store is all there is.
              }
            },
            take: (key) => {
              try {
                const text = localStorage.getItem(key)
                localStorage.removeItem(key)
                return text === null ? undefined : JSON.parse(text)
              } catch {
                return undefined
              }
            },
          },
    // Pages only: Node, Bun and Deno have BroadcastChannel too, between their workers (and an open
    // one keeps the process alive).
    _shareConsent:
      typeof document === 'undefined' || typeof BroadcastChannel === 'undefined'
        ? undefined
        : (writeKey, apply) =>
            shareConsent(
              (name, receive) => {
                const channel = new BroadcastChannel(name)
                channel.onmessage = (event) => receive(event.data)
                signal?.addEventListener('abort', () => channel.close())
                return (message) => channel.postMessage(message)
              },
              writeKey,
              apply,
            ),
    _online: () => nav?.onLine !== false,
    _visible: () => typeof document === 'undefined' || document.visibilityState !== 'hidden',
    _context: () => ({
      page: { ...currentPage(), title: typeof document === 'undefined' ? '' : document.title },
      userAgent: nav?.userAgent,
      locale: nav?.language,
    }),
    // What `btoa` would throw on keeps its low byte, as in mini-programs (`base64.ts`).
    _base64: (text) =>
      btoa(text.replace(/[^\0-\xff]/g, (c) => String.fromCharCode(c.charCodeAt(0) & 255))),
  }
}
