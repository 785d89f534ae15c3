// The profiles of an NDJSON event stream at `now`, as `tagwise eval` prints them and `tagwise fit`
// learns from them: identity joined over every good event, bad lines reported, events after `now`
// left out of the states.
import {
  IdentityGraph,
  parseEvent,
  parseProfileName,
  parseTimestamp,
  type ParsedEvent,
  type ProfileState,
  type Rules,
} from '../rules/index.ts'
import { MAX_LINE_CHARS, readLines, scanLines, withEventsFile } from './events-file.ts'
import { KnownPair, LINK_MARKS, mayAddLink } from './may-add-link.ts'
import { oneLine, type Output } from './output.ts'
import { ProfilesByKey } from './profiles-by-key.ts'
import { usageError } from './usage.ts'

/** One profile at `now`: its printed name, its key and its state. */
export interface ProfileAt {
  name: string
  key: string
  state: ProfileState
  /** Whether any of its good events is at or before `now` (it existed at `now`). */
  existed: boolean
}

export interface ProfilesAt {
  /** Sorted by printed name. */
  profiles: ProfileAt[]
  /** The given `now`, or the latest good event's timestamp. */
  now: number
  /** How many lines were bad (each reported on `err` as `line N: why`). */
  bad: number
}

/**
 * Reads `events` ("-" for stdin) in two passes and builds every profile's state at `fixedNow`
 * (default: the latest good event). `later` sees each good event after `fixedNow` with the key of
 * the profile it belongs to (the outcome of a propensity label).
 */
export async function profilesAt(
  events: string,
  rules: Rules,
  fixedNow: number | undefined,
  err: Output,
  later?: (event: ParsedEvent, key: string) => void,
): Promise<ProfilesAt> {
  return withEventsFile(events, async (open) => {
    // Pass 1 collects identity links, decoding only lines that spell a link's key and parsing
    // only those that may add one. Pass 2 validates every line, reports bad ones and routes good
    // events to their profile's state in input order.
    const graph = new IdentityGraph()
    const known = new KnownPair()
    await scanLines(open(), err, LINK_MARKS, (line, n) => {
      if (!mayAddLink(line, n, graph, known)) return
      const event = parseLine(line)
      if (event !== undefined && !('error' in event)) graph.addEvent(event.raw, event.ts, n)
    })
    const byKey = new ProfilesByKey(graph, (key): Omit<ProfileAt, 'name'> => {
      const state = rules.createState({ maxMessageIds: Infinity })
      return { key, state, existed: false }
    })
    let latest = -Infinity
    let bad = 0
    const report = (n: number, error: string) => {
      bad++
      err.write(`line ${n}: ${oneLine(error)}\n`)
    }
    const onTooLong = (n: number) =>
      report(
        n,
        `longer than ${MAX_LINE_CHARS.toLocaleString('en')} characters: an event is one line of NDJSON (a JSON array of events is not)`,
      )
    await readLines(
      open(),
      err,
      (line, n) => {
        const event = parseLine(line)
        if (event === undefined) return
        if ('error' in event) return report(n, event.error)
        if (event.ts > latest) latest = event.ts
        const profile = byKey.of(event.raw)
        if (fixedNow === undefined || event.ts <= fixedNow) {
          profile.state.ingest(event)
          profile.existed = true
        } else later?.(event, profile.key)
      },
      { onTooLong },
    )
    const profiles = printedNames(byKey.profiles.keys()).map(([name, key]): ProfileAt => {
      const { state, existed } = byKey.profiles.get(key)!
      return { name, key, state, existed }
    })
    return { profiles, now: fixedNow ?? latest, bad }
  })
}

/** `--now` as epoch ms, `undefined` when not given; a usage error when it is not a date-time. */
export function parseNow(now: string | undefined): number | undefined {
  if (now === undefined) return undefined
  const parsed = parseTimestamp(now)
  if (parsed === undefined)
    throw usageError(
      `--now must be an ISO-8601 date-time with a time zone in the years 0000–9999, like 2026-01-31T00:00:00Z (got "${now}")`,
    )
  return parsed
}

/**
 * The name each profile key is printed as, sorted by it (spec: rules.md, "Identity"): a user's
 * profile as its user id, an anonymous visitor's as its anonymous id, or as `anonymous:<id>` where
 * a user profile is printed under the same string.
 */
function printedNames(keys: Iterable<string>): [string, string][] {
  const parsed = [...keys].map((key) => ({ key, ...parseProfileName(key) }))
  const users = new Set(parsed.filter((p) => p.space === 'user').map((p) => p.id))
  return parsed
    .map(({ key, space, id }): [string, string] => [
      space === 'anonymous' && users.has(id) ? key : id,
      key,
    ])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}

/** A good event, why the line is bad, or `undefined` for a blank line. */
function parseLine(line: string): ParsedEvent | { error: string } | undefined {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch (error) {
    if (line.trim() === '') return undefined
    return { error: `not valid JSON (${(error as Error).message})` }
  }
  // One JSON array of events instead of NDJSON: say so, rather than "expected a JSON object".
  if (Array.isArray(value))
    return {
      error:
        "a JSON array, not an event: events are NDJSON, one JSON object per line (jq -c '.[]' converts an array)",
    }
  const parsed = parseEvent(value)
  return parsed.ok ? parsed.event : { error: parsed.error }
}
