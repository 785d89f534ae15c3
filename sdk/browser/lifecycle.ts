/** Page lifecycle moments the SDK reacts to. */
export interface LifecycleHandlers {
  visibility(visible: boolean): void
  /** The page is being unloaded, or put in the back/forward cache (`persisted`). */
  pagehide(persisted: boolean): void
  /** The page came back from the back/forward cache. */
  pageshow(): void
  online(): void
}

/**
 * Listens to `visibilitychange`, `pagehide`, `pageshow` (persisted) and `online`. `pagehide` rather
 * than `unload`/`beforeunload`: it fires on mobile and keeps the page eligible for the bfcache
 * (https://developer.chrome.com/docs/web-platform/page-lifecycle-api).
 */
export function onLifecycle(handlers: LifecycleHandlers, signal?: AbortSignal): void {
  if (typeof window === 'undefined') return
  const options = { capture: true, signal }
  document.addEventListener(
    'visibilitychange',
    () => handlers.visibility(document.visibilityState !== 'hidden'),
    options,
  )
  window.addEventListener('pagehide', (event) => handlers.pagehide(event.persisted), options)
  window.addEventListener(
    'pageshow',
    (event) => {
      if (event.persisted) handlers.pageshow()
    },
    options,
  )
  window.addEventListener('online', () => handlers.online(), options)
}
