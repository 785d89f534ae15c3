import type { Json } from '../../rules/index.ts'
import type { Tagwise } from './api.ts'
import { createDwell } from './dwell.ts'

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

/** Page visits measured by visible dwell, reported through `track` when `dwell` is on. */
export function createPageVisits(dwell: boolean, track: Tagwise['track']): PageVisits {
  const measure = createDwell()
  return {
    enter: (path, visible) => measure.start(path, visible),
    visibility: (visible) => measure.visibility(visible),
    leave(properties) {
      const left = dwell ? measure.leave() : undefined
      if (!left) return false
      track('Page Left', { ...left, ...properties })
      return true
    },
  }
}
