import { MAX_WINDOW_MS } from '../metric/window.ts'
import type { TagData } from '../tags/slots.ts'
import type { TimeUnit } from './compiled-rules.ts'
import type { UnitFlips } from './unit-flips.ts'

/** What the search for the next change needs from a profile state. */
export interface Timeline {
  /** Earliest time after `t` at which a metric jumps (a bucket leaves a window, a session ends, a dwell cap is reached), or `null`. */
  structural(t: number): number | null
  /** A key of the tags at time `t` (equal keys = equal tags). */
  tagsKey(t: number): string
  /** The time-dependent expression nodes (comparisons over `since_*`, open dwell, `now`). */
  units: readonly TimeUnit[]
  /** What the tag expressions see at time `t`, for the `units` (between two structural changes). */
  tagData(t: number): TagData
  /**
   * The value of `path` (`now` or `metrics.<id>`) at time `t`, for the units' thresholds (it saves
   * evaluating the tags); without it, read from {@link tagData}.
   */
  valueAt?(path: string, t: number): unknown
}

/** Structural steps examined before giving up and answering conservatively. */
const MAX_STEPS = 64

/**
 * The earliest time after `now` at which some tag changes with no new event, or `null` when no tag
 * ever will. `unitFlips` finds when time-dependent comparisons flip between structural changes;
 * without it, only structural changes are candidates (right for rules without such comparisons:
 * their device plan has no `units`).
 *
 * Between two structural changes every metric is constant or grows linearly with time, and each
 * comparison over such a value flips at most once, so a bisection per comparison finds its flip
 * exactly; each candidate (flip or structural change) is then checked by evaluating the tags there.
 * After {@link MAX_STEPS} structural steps without a change, that step's time is returned: an early
 * answer only costs the caller one extra wake-up.
 */
export function nextChangeAt(
  now: number,
  timeline: Timeline,
  unitFlips: UnitFlips | undefined,
): number | null {
  const base = timeline.tagsKey(now)
  let t0 = now
  for (let step = 0; step < MAX_STEPS; step++) {
    const s = timeline.structural(t0)
    const end = (s ?? t0 + MAX_WINDOW_MS) - 1
    for (const t of unitFlips?.(timeline, t0, end) ?? []) if (timeline.tagsKey(t) !== base) return t
    if (s === null) return null
    if (timeline.tagsKey(s) !== base || step === MAX_STEPS - 1) return s
    t0 = s
  }
  return null
}
