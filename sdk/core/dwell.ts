/** Visible time on the current page. */
export interface Dwell {
  /** A page starts now (visible or not). */
  start(path: string, visible: boolean): void
  visibility(visible: boolean): void
  /** Ends the current page: its path and visible ms, or `undefined` when no page is open. */
  leave(): { path: string; dwell_ms: number } | undefined
}

/** Measures dwell as the Page Visibility API sees it: hidden time does not count. */
export function createDwell(): Dwell {
  let path: string | undefined
  let total = 0
  let since: number | undefined
  const stop = () => {
    if (since !== undefined) total += Date.now() - since
    since = undefined
  }
  return {
    start(next, visible) {
      path = next
      total = 0
      since = visible ? Date.now() : undefined
    },
    visibility(visible) {
      // Banks the visible time so far either way; visible again, it runs on from now.
      stop()
      if (visible && path !== undefined) since = Date.now()
    },
    leave() {
      if (path === undefined) return undefined
      stop()
      const left = { path, dwell_ms: total }
      path = undefined
      return left
    },
  }
}
