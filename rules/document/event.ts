import { cloneJson, isObject } from './json.ts'
import { MAX_EVENT_DEPTH } from './limits.ts'

/** Segment event types the engine understands. */
export const EVENT_TYPES = ['track', 'page', 'screen', 'identify', 'alias', 'group'] as const
export type EventType = (typeof EVENT_TYPES)[number]

/**
 * A Segment-shaped event as sent by any Segment client. Only the fields the engine reads are typed;
 * everything else is carried through untouched (and visible to `where` expressions).
 */
export interface TagwiseEvent {
  type: EventType
  event?: string
  properties?: Record<string, unknown>
  traits?: Record<string, unknown>
  userId?: string
  anonymousId?: string
  previousId?: string
  messageId?: string
  timestamp: string
  context?: Record<string, unknown>
  [key: string]: unknown
}

/** A good event with its timestamp parsed once. */
export interface ParsedEvent {
  /** The raw event, as given (`where` expressions see this). */
  raw: TagwiseEvent
  /** Epoch milliseconds of `timestamp`. */
  ts: number
}

/** Result of {@link parseEvent}: the parsed event, or why it is not a good event. */
export type ParseResult = { ok: true; event: ParsedEvent } | { ok: false; error: string }

// ISO-8601 date-time with a mandatory zone (Z or ±hh:mm / ±hhmm / ±hh). Anchored, no nested
// quantifiers: linear time on any input.
const ISO_WITH_ZONE =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)$/

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/** 400 Gregorian years in ms (146,097 days × 86,400,000): the calendar repeats after them. */
const FOUR_CENTURIES = 12_622_780_800_000

/**
 * `Date.UTC` for every year 0000–9999: `Date.UTC` reads years 0–99 as 1900–1999, so those are
 * computed 400 years later (the same calendar) and moved back.
 */
const utc = (
  year: number,
  month: number,
  day: number,
  h: number,
  m: number,
  s: number,
  ms: number,
) =>
  year < 100
    ? Date.UTC(year + 400, month, day, h, m, s, ms) - FOUR_CENTURIES
    : Date.UTC(year, month, day, h, m, s, ms)

/**
 * The instants a timestamp may name: years 0000–9999 in UTC. An offset can move a written time
 * past them (`0000-01-01T00:00:00+01:00` is in year −1), which `toISOString` writes with a
 * six-digit year that no ISO-8601 four-digit year reads back: such a time is not a timestamp.
 */
const EARLIEST = /* @__PURE__ */ utc(0, 0, 1, 0, 0, 0, 0)
const LATEST = /* @__PURE__ */ Date.UTC(9999, 11, 31, 23, 59, 59, 999)

/**
 * Parses an ISO-8601 timestamp that carries a time zone; returns epoch ms or `undefined`.
 * Calendar fields are checked (no 30 February); fractions beyond milliseconds are truncated;
 * years are four digits, 0000–9999 as written (0050 is the year 50), and the instant must fall
 * within them in UTC.
 */
export function parseTimestamp(value: unknown): number | undefined {
  if (typeof value !== 'string' || value.length > 40) return undefined
  const fast = parseCanonical(value)
  if (fast !== undefined) return fast
  const m = ISO_WITH_ZONE.exec(value)
  if (!m) return undefined
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as number[]
  // Seconds are optional (ISO-8601 reduced precision: `2026-01-31T12:00Z`).
  const second = m[6] ? Number(m[6]) : 0
  const leap = year! % 4 === 0 && (year! % 100 !== 0 || year! % 400 === 0)
  if (
    month! < 1 ||
    month! > 12 ||
    day! < 1 ||
    day! > (month === 2 && !leap ? 28 : DAYS_IN_MONTH[month! - 1]!)
  )
    return undefined
  if (hour! > 23 || minute! > 59 || second > 59) return undefined
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0
  const offsetHours = m[10] ? Number(m[10]) : 0
  const offsetMinutes = m[11] ? Number(m[11]) : 0
  if (offsetHours > 23 || offsetMinutes > 59) return undefined
  const sign = m[9] === '-' ? -1 : 1
  const at =
    utc(year!, month! - 1, day!, hour!, minute!, second, ms) -
    sign * (offsetHours * 60 + offsetMinutes) * 60_000
  return at >= EARLIEST && at <= LATEST ? at : undefined
}

const digit = (text: string, i: number): number => {
  const d = text.charCodeAt(i) - 48
  return d >= 0 && d <= 9 ? d : NaN
}
const two = (text: string, i: number): number => digit(text, i) * 10 + digit(text, i + 1)

/**
 * The shape nearly every client sends, `YYYY-MM-DDTHH:MM:SS(.sss)Z` (what `toISOString` writes),
 * read without a regular expression: timestamps are parsed once per event, so this is hot.
 * Anything else returns `undefined` and takes the general path.
 */
function parseCanonical(text: string): number | undefined {
  const length = text.length
  if ((length !== 20 && length !== 24) || text.charCodeAt(length - 1) !== 90 /* Z */)
    return undefined
  if (
    text[4] !== '-' ||
    text[7] !== '-' ||
    text[10] !== 'T' ||
    text[13] !== ':' ||
    text[16] !== ':'
  ) {
    return undefined
  }
  const year = two(text, 0) * 100 + two(text, 2)
  const month = two(text, 5)
  const day = two(text, 8)
  const hour = two(text, 11)
  const minute = two(text, 14)
  const second = two(text, 17)
  let ms = 0
  if (length === 24) {
    if (text[19] !== '.') return undefined
    ms = digit(text, 20) * 100 + two(text, 21)
  }
  // NaN (a non-digit) fails every comparison below.
  if (!(
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    ms >= 0
  )) {
    return undefined
  }
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
  if (day > (month === 2 && !leap ? 28 : DAYS_IN_MONTH[month - 1]!)) return undefined
  // `utc` of the whole time is its day's midnight plus the time of day (both exact integers):
  // events mostly follow one another within a day, so the day's midnight is kept.
  if (year !== lastYear || month !== lastMonth || day !== lastDayOfMonth) {
    lastMidnight = utc(year, month - 1, day, 0, 0, 0, 0)
    lastYear = year
    lastMonth = month
    lastDayOfMonth = day
  }
  return lastMidnight + ((hour * 60 + minute) * 60 + second) * 1000 + ms
}

// The day parseCanonical read last, and its midnight in epoch ms.
let lastYear = NaN
let lastMonth = NaN
let lastDayOfMonth = NaN
let lastMidnight = NaN

const isId = (value: unknown): value is string => typeof value === 'string' && value.length > 0

/**
 * Checks that a value is a *good event* (spec: rules.md, "Events that count"): a JSON object with a
 * known `type`, a parseable ISO-8601 `timestamp` with a time zone, a `userId` or `anonymousId`
 * (`alias` needs `previousId` and `userId`), and, for `track`, a non-empty `event`.
 *
 * @example
 * const result = parseEvent(JSON.parse(line))
 * if (!result.ok) console.error(`line ${n}: ${result.error}`)
 */
export function parseEvent(value: unknown): ParseResult {
  if (!isObject(value)) return { ok: false, error: 'expected a JSON object (an event)' }
  const type = value.type
  if (typeof type !== 'string' || !(EVENT_TYPES as readonly string[]).includes(type)) {
    return {
      ok: false,
      error: `"type" must be one of ${EVENT_TYPES.join(', ')} (got ${describe(type)})`,
    }
  }
  if (value.timestamp === undefined) return { ok: false, error: '"timestamp" is missing' }
  const ts = parseTimestamp(value.timestamp)
  if (ts === undefined) {
    return {
      ok: false,
      error: `"timestamp" must be an ISO-8601 date-time with a time zone in the years 0000–9999, like 2026-01-31T12:00:00Z (got ${describe(value.timestamp)})`,
    }
  }
  for (const key of ['userId', 'anonymousId', 'previousId'] as const) {
    const id = value[key]
    // An empty string counts as absent (some clients send one); another type is a mistake.
    if (id !== undefined && id !== null && typeof id !== 'string') {
      return { ok: false, error: `"${key}" must be a string (got ${describe(id)})` }
    }
  }
  if (type === 'alias') {
    if (!isId(value.previousId))
      return { ok: false, error: 'an alias needs a non-empty "previousId"' }
    if (!isId(value.userId)) return { ok: false, error: 'an alias needs a non-empty "userId"' }
  } else if (!isId(value.userId) && !isId(value.anonymousId)) {
    return { ok: false, error: 'needs a non-empty "userId" or "anonymousId"' }
  }
  if (type === 'track' && !isId(value.event)) {
    return { ok: false, error: 'a track event needs a non-empty "event" name' }
  }
  for (const key of ['properties', 'traits', 'context'] as const) {
    if (value[key] !== undefined && value[key] !== null && !isObject(value[key])) {
      return { ok: false, error: `"${key}" must be an object (got ${describe(value[key])})` }
    }
  }
  if (
    value.messageId !== undefined &&
    value.messageId !== null &&
    typeof value.messageId !== 'string'
  ) {
    return { ok: false, error: `"messageId" must be a string (got ${describe(value.messageId)})` }
  }
  const reading = readBack(value, 1)
  if (reading === 'too deep')
    return {
      ok: false,
      error: `nested deeper than ${MAX_EVENT_DEPTH} levels of objects and arrays: flatten the event`,
    }
  // What a profile stores and replays is the event's JSON text: counted as that text reads back.
  const raw = (reading === 'changed' ? cloneJson(value) : value) as TagwiseEvent
  return { ok: true, event: new ValidatedEvent(raw, ts) }
}

const hasOwnProperty = Object.prototype.hasOwnProperty

/** How an event's JSON text reads back: see {@link readBack}. */
type Reading = 'as is' | 'changed' | 'too deep'

/**
 * Whether JSON text would give `value` back as it is (`as is`), would not (`changed`: a number
 * that is not finite — JSON writes `null`: `1e400` in JSON text parses to Infinity, a JavaScript
 * caller can pass NaN — or −0, written `0`), or whether it nests objects and arrays deeper than
 * {@link MAX_EVENT_DEPTH} levels, `depth` being its own level (`too deep`: then it is not walked
 * further, so this recursion stays within that many calls). A changed event counts as its JSON text
 * reads, so a live state, one replayed from stored events and one restored from a snapshot agree.
 * Runs on every event: a loop, no callback per value, and `for…in` over own keys (the values
 * `Object.values` lists) instead of `Object.values`, whose array per object was 9 % of what
 * `tagwise eval` allocated.
 */
function readBack(value: unknown, depth: number): Reading {
  if (typeof value === 'number')
    return Number.isFinite(value) && !Object.is(value, -0) ? 'as is' : 'changed'
  if (typeof value !== 'object' || value === null) return 'as is'
  if (depth > MAX_EVENT_DEPTH) return 'too deep'
  const record = value as Record<string, unknown>
  let reading: Reading = 'as is'
  for (const key in record) {
    if (!hasOwnProperty.call(record, key)) continue
    // A change found, the rest is still walked: it may be too deep.
    const inner = readBack(record[key], depth + 1)
    if (inner === 'too deep') return inner
    if (inner === 'changed') reading = inner
  }
  return reading
}

/**
 * The events parseEvent returns: a state given one of these skips validating it again. A class
 * rather than a WeakSet of the events: `instanceof` costs nothing per event, while adding every
 * event to a WeakSet cost the CLI 4 % of its time and more in garbage collection.
 */
class ValidatedEvent implements ParsedEvent {
  raw: TagwiseEvent
  ts: number
  constructor(raw: TagwiseEvent, ts: number) {
    this.raw = raw
    this.ts = ts
  }
}

/** Whether `value` is a {@link ParsedEvent} returned by {@link parseEvent}. */
export const isParsedEvent = (value: unknown): value is ParsedEvent =>
  value instanceof ValidatedEvent

/** The event's path: `properties.path` if it is a string, else `context.page.path`. */
export function eventPath(event: TagwiseEvent): string | undefined {
  const fromProps = event.properties?.path
  if (typeof fromProps === 'string') return fromProps
  const page = event.context?.page
  return isObject(page) && typeof page.path === 'string' ? page.path : undefined
}

/** A short description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return 'an object'
  const text = JSON.stringify(value)
  return text.length > 40 ? `${text.slice(0, 37)}...` : text
}
