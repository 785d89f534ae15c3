import type { ParsedEvent } from '../document/event.ts'
import { eventPath } from '../document/event.ts'
import { toNumeric } from '../document/json.ts'
import { MAX_KEPT_PATH_CHARS } from '../document/limits.ts'

/**
 * The page timeline behind `dwell`/`dwell_max`: the profile's latest page/screen and `Page Left`
 * events, sorted by (timestamp, input order). Visits are derived from it, so late and out-of-order
 * events still close the right visit. It is bounded: when it grows past {@link MAX_PAGES}, its oldest
 * visit is final and is handed to the metrics' accumulators.
 */
export interface PageEntry {
  ts: number
  /** Input order. */
  seq: number
  /** A page/screen event starts a visit, a `Page Left` closes one. */
  kind: 'page' | 'left'
  path: string | null
  /** `dwell_ms` of a `Page Left`, when numeric. */
  dwellMs: number | null
  /** Ids of the dwell metrics whose path/where this page matches (never changed in place). */
  metrics: readonly string[]
}

/** A visit: when it started, its dwell (`null` while open), and the dwell metrics it counts for. */
export interface Visit {
  start: number
  dwell: number | null
  metrics: readonly string[]
}

/**
 * The `metrics` of every entry that matches no dwell metric, most of them: one shared empty array
 * rather than one per entry (a profile keeps up to {@link MAX_PAGES} entries, and `tagwise eval`
 * keeps every profile).
 */
export const NO_METRICS: readonly string[] = Object.freeze([])

/** Entries kept in the timeline: late events up to this many page events back are placed exactly. */
export const MAX_PAGES = 64

/** The timeline entry of an event, or `undefined` when the event plays no part in visits. */
export function pageEntry(
  event: ParsedEvent,
  seq: number,
  matching: readonly string[],
): PageEntry | undefined {
  const raw = event.raw
  const isPage = raw.type === 'page' || raw.type === 'screen'
  const isLeft = raw.type === 'track' && raw.event === 'Page Left'
  if (!isPage && !isLeft) return undefined
  const dwellMs = isLeft ? toNumeric(raw.properties?.dwell_ms) : undefined
  return {
    ts: event.ts,
    seq,
    kind: isPage ? 'page' : 'left',
    path: eventPath(raw)?.slice(0, MAX_KEPT_PATH_CHARS) ?? null,
    dwellMs: dwellMs ?? null,
    metrics: matching,
  }
}

const before = (a: PageEntry, b: PageEntry) => a.ts < b.ts || (a.ts === b.ts && a.seq < b.seq)

/** Inserts an entry in order; returns false (and does nothing) for one older than the whole timeline. */
export function insertPage(pages: PageEntry[], entry: PageEntry): boolean {
  let i = pages.length
  while (i > 0 && before(entry, pages[i - 1]!)) i--
  if (i === 0 && pages.length >= MAX_PAGES) return false
  // Mostly the latest entry: `push` does not allocate the array of removed items `splice` returns.
  if (i === pages.length) pages.push(entry)
  else pages.splice(i, 0, entry)
  return true
}

/**
 * The visits of a timeline. A visit is closed by the first `Page Left` with the same path before the
 * next page/screen (its `dwell_ms`, or the time difference when that is missing), else by the next
 * page/screen (time difference); the latest one stays open. Every dwell is capped at `cap` (the
 * session timeout) and is never negative.
 */
export function visitsOf(pages: PageEntry[], cap: number): Visit[] {
  const visits: Visit[] = []
  let nextPage = -1
  const closers: (number | null)[] = new Array(pages.length)
  for (let i = pages.length - 1; i >= 0; i--) {
    const entry = pages[i]!
    if (entry.kind === 'left') continue
    let dwell: number | null = null
    const end = nextPage === -1 ? pages.length : nextPage
    for (let j = i + 1; j < end; j++) {
      const left = pages[j]!
      if (left.path === entry.path) {
        dwell = left.dwellMs ?? left.ts - entry.ts
        break
      }
    }
    if (dwell === null && nextPage !== -1) dwell = pages[nextPage]!.ts - entry.ts
    closers[i] = dwell === null ? null : Math.min(Math.max(dwell, 0), cap)
    nextPage = i
  }
  for (let i = 0; i < pages.length; i++) {
    const entry = pages[i]!
    if (entry.kind === 'page' && entry.metrics.length > 0)
      visits.push({ start: entry.ts, dwell: closers[i]!, metrics: entry.metrics })
  }
  return visits
}

/**
 * Shrinks the timeline to {@link MAX_PAGES}; returns the visits that became final (closed ones only:
 * a visit never closed is dropped, as the spec says of visits whose session is over).
 */
export function trimPages(pages: PageEntry[], cap: number): Visit[] {
  const final: Visit[] = []
  while (pages.length > MAX_PAGES) {
    const visits = visitsOf(pages.slice(0, nextPageIndex(pages) + 1), cap)
    const first = pages.shift()!
    if (first.kind === 'page' && first.metrics.length > 0) {
      const visit = visits[0]
      if (visit && visit.start === first.ts && visit.dwell !== null) final.push(visit)
    }
  }
  return final
}

/** Index of the first page/screen entry after the first entry, or the last index. */
function nextPageIndex(pages: PageEntry[]): number {
  for (let i = 1; i < pages.length; i++) if (pages[i]!.kind === 'page') return i
  return pages.length - 1
}
