import type { Accumulator } from '../aggregate/accumulator.ts'

/**
 * Sessions: a profile's events, by timestamp, split wherever the gap between two consecutive events
 * is at least the timeout. Each session carries the accumulators of the `session`-window metrics, so
 * events that arrive late or out of order land in (or join) the session their timestamp belongs to.
 */
export interface Session {
  start: number
  end: number
  /** Accumulators of session metrics (and finished dwell visits), by metric id. */
  accumulators: Record<string, Accumulator>
}

/**
 * How many sessions a state keeps. Only the latest session is ever *current*; older ones are kept so
 * that a late event can still bridge the gap and join them to it.
 */
export const MAX_SESSIONS = 16

/**
 * Adds an event time to the session list (sorted by start) and returns the session it belongs to.
 * An event within the timeout of two neighbouring sessions joins them: `merge` folds the
 * later session's accumulators into the earlier one.
 */
export function placeInSession(
  sessions: Session[],
  ts: number,
  timeout: number,
  merge: (into: Session, from: Session) => void,
): Session {
  let i = sessions.length - 1
  while (i >= 0 && sessions[i]!.start > ts) i--
  // sessions[i] starts at or before ts; sessions[i + 1] (if any) starts after it.
  const before = i >= 0 ? sessions[i]! : undefined
  const after = sessions[i + 1]
  const joinsBefore = before !== undefined && ts - before.end < timeout
  const joinsAfter = after !== undefined && after.start - ts < timeout
  if (joinsBefore && joinsAfter) {
    merge(before, after)
    before.end = Math.max(before.end, after.end)
    sessions.splice(i + 1, 1)
    return before
  }
  if (joinsBefore) {
    if (ts > before.end) before.end = ts
    return before
  }
  if (joinsAfter) {
    after.start = ts
    return after
  }
  const session: Session = { start: ts, end: ts, accumulators: {} }
  // Mostly the latest: `push` does not allocate the array of removed items `splice` returns.
  if (i + 1 === sessions.length) sessions.push(session)
  else sessions.splice(i + 1, 0, session)
  if (sessions.length > MAX_SESSIONS) sessions.shift()
  return session
}

/** The session containing `ts`, if kept. */
export function sessionAt(sessions: Session[], ts: number): Session | undefined {
  for (let i = sessions.length - 1; i >= 0; i--) {
    const s = sessions[i]!
    if (s.start <= ts) return ts <= s.end ? s : undefined
  }
  return undefined
}

/**
 * The current session at `now`: the latest one, if `now - its last event < timeout`. Events after
 * `now` are assumed not ingested (callers drop them).
 */
export function currentSession(
  sessions: Session[],
  now: number,
  timeout: number,
): Session | undefined {
  const last = sessions[sessions.length - 1]
  return last !== undefined && now - last.end < timeout && now >= last.start ? last : undefined
}

/** Joins two profiles' session lists (identity merge): sessions closer than the timeout become one. */
export function mergeSessions(
  a: Session[],
  b: Session[],
  timeout: number,
  merge: (into: Session, from: Session) => void,
): Session[] {
  const all = [...a, ...b].sort((x, y) => x.start - y.start)
  const out: Session[] = []
  for (const s of all) {
    const last = out[out.length - 1]
    if (last !== undefined && s.start - last.end < timeout) {
      merge(last, s)
      last.end = Math.max(last.end, s.end)
    } else {
      out.push(s)
    }
  }
  return out.slice(-MAX_SESSIONS)
}
