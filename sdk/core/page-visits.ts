import type { Json } from '../../rules/index.ts'
import type { Tagwise } from './api.ts'

/** The visit of the current page (a browser page or a mini-program screen), for `Page Left`. */
export interface PageVisits {
  /** A page starts now (visible or not). */
  enter(path: string, visible: boolean): void
  /** Visible time counts as dwell, hidden time does not. */
  visibility(visible: boolean): void
  /**
   * Ends the current visit with a `Page Left` `{ path, dwell_ms, ...properties }` (when dwell
   * capture is on); `false` when none was sent.
   */
  leave(properties?: Record<string, Json>): boolean
}

/**
 * Page visits measured by visible dwell, as the Page Visibility API sees it (hidden time does not
 * count), reported through `track` when `dwell` is on.
 */
export function createPageVisits(dwell: boolean, track: Tagwise['track']): PageVisits {
  /** The open visit's path (`undefined`: none). */
  let path: string | undefined
  /** Visible ms banked so far. */
  let total = 0
  /** When the visible time running now started (`undefined`: hidden). */
  let since: number | undefined
  const bank = () => {
    if (since !== undefined) total += Date.now() - since
    since = undefined
  }
  return {
    enter(next, visible) {
      path = next
      total = 0
      since = visible ? Date.now() : undefined
    },
    visibility(visible) {
      // Banks the visible time so far either way; visible again, it runs on from now.
      bank()
      if (visible && path !== undefined) since = Date.now()
    },
    leave(properties) {
      if (!dwell || path === undefined) return false
      bank()
      const left = { path, dwell_ms: total, ...properties }
      path = undefined
      track('Page Left', left)
      return true
    },
  }
}
