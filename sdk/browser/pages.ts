/**
 * Calls `onNavigate` on every SPA navigation: `history.pushState`/`replaceState` (patched, as no
 * event reports them), `popstate` and `hashchange`; only when the URL actually changed.
 */
export function capturePages(onNavigate: () => void, signal?: AbortSignal): void {
  if (typeof window === 'undefined' || typeof history === 'undefined') return
  let href = location.href
  const check = () => {
    if (signal?.aborted || location.href === href) return
    href = location.href
    onNavigate()
  }
  for (const method of ['pushState', 'replaceState'] as const) {
    const original = history[method]
    history[method] = function (this: History, ...args: Parameters<History['pushState']>) {
      const result = original.apply(this, args)
      try {
        check()
      } catch {
        // A failing listener must not break the app's navigation.
      }
      return result
    }
  }
  window.addEventListener('popstate', check, { signal })
  window.addEventListener('hashchange', check, { signal })
}
