// `tagwise eval`'s first pass: which lines may add an identity link, read without parsing them
// where possible (issue 19).
import {
  anonymousProfile,
  parseTimestamp,
  userProfile,
  type IdentityGraph,
} from '../rules/index.ts'

/**
 * What a line that may add a link contains: `userId` (in `"userId"`), or a `\u` escape that may
 * spell it. Without its quotes: `Buffer.indexOf` looks for a pattern under 7 bytes by its first
 * byte, and a `u` is a dozen times rarer in events than a quote (29 vs 66 ms over the 79 MB of the
 * large history in `npm run bench cli`); a line that spells `userId` otherwise adds no link.
 */
export const LINK_MARKS = ['\\u', 'userId']

/**
 * Whether a line may add an identity link that `graph` does not have yet, without parsing it when
 * possible. Without `\u` escapes, a line holds a link only if it spells `"userId"` and
 * `"anonymousId"` or `"previousId"`. Without any escapes, if each of `"anonymousId"`, `"userId"`
 * and `"timestamp"` occurs once with a plain string value, the only link the line can add is that
 * pair at that time (if those keys are not top-level, it adds none), which an earlier record of the
 * same pair makes a no-op. `known` (see {@link KnownPair}) answers that from the line before, when
 * it can.
 */
export function mayAddLink(
  line: string,
  n: number,
  graph: IdentityGraph,
  known?: KnownPair,
): boolean {
  // Most lines have no backslash: one scan reads all four keys, where searching the line for
  // each key and again for a second occurrence was ~11 scans of it.
  const fields = linkFields(line)
  if (fields === undefined) return mayAddLinkEscaped(line, n, graph)
  if (fields.userId === ABSENT) return false
  if (fields.previousId) return true
  const { anonymousId, userId } = fields
  if (anonymousId === ABSENT) return false
  const ts = parseTimestamp(fields.timestamp)
  if (anonymousId === undefined || userId === undefined || ts === undefined) return true
  if (known?.covers(anonymousId, userId, ts)) return false
  if (!graph.covers(anonymousProfile(anonymousId), userProfile(userId), ts, n)) return true
  known?.remember(anonymousId, userId, ts)
  return false
}

/**
 * The last pair of ids that {@link mayAddLink} found `graph` to hold already, to answer the same
 * pair again without building the profile names and looking the link up: 73 % of the lines
 * that spell `"userId"` in the long history of `npm run bench cli` repeat the pair of the one
 * before. For one graph, fed lines in input order, as `tagwise eval`'s first pass does.
 *
 * Once the graph holds the link at a time and input position at or before a line's, it does for
 * every later line (a larger `n`) of the same pair whose timestamp is no earlier: a pair's recorded
 * link is only ever replaced by an earlier one.
 */
export class KnownPair {
  private anonymousId = ''
  private userId = ''
  /** The timestamp of the line it was found at (none yet: no line is at or after it). */
  private ts = Infinity

  /** Whether a later line with these ids, at `ts`, adds no link (false: not known). */
  covers(anonymousId: string, userId: string, ts: number): boolean {
    return ts >= this.ts && anonymousId === this.anonymousId && userId === this.userId
  }

  /** Records that the graph holds the link of these ids for a line at `ts`. */
  remember(anonymousId: string, userId: string, ts: number): void {
    this.anonymousId = anonymousId
    this.userId = userId
    this.ts = ts
  }
}

/** {@link mayAddLink} for any line, with escapes or not: a search of the line per key. */
export function mayAddLinkEscaped(line: string, n: number, graph: IdentityGraph): boolean {
  if (line.includes('\\u')) return true
  if (!line.includes('"userId"')) return false
  const alias = line.includes('"previousId"')
  if (!alias && !line.includes('"anonymousId"')) return false
  if (alias || line.includes('\\')) return true
  const from = plainString(line, '"anonymousId"')
  const to = plainString(line, '"userId"')
  const ts = parseTimestamp(plainString(line, '"timestamp"'))
  return (
    from === undefined ||
    to === undefined ||
    ts === undefined ||
    !graph.covers(anonymousProfile(from), userProfile(to), ts, n)
  )
}

/** A key that the line does not spell at all (as opposed to `undefined`: spelled, no plain value). */
const ABSENT = null

/**
 * What a line without backslashes says of the link keys, as {@link plainString} reads each: the
 * string value of a key spelled once as `"key": "value"`, `undefined` when spelled otherwise
 * (twice, or not followed by a string), {@link ABSENT} when not spelled; for `previousId`,
 * whether it is spelled; `undefined` when the line holds a backslash (the caller then searches
 * it per key). Without backslashes, `"key"` occurs in valid JSON exactly where one of its strings
 * is `key`: a quote that closes a string is never followed by a letter. (On other lines the
 * answer does not matter: parsing rejects them.) One regular expression finds the keys and a
 * backslash in one scan of the line in compiled code, where walking its strings a quote at a time
 * cost half as much again (52 vs 79 ms for the 94k lines of the large history that spell `userId`).
 */
function linkFields(line: string): LinkFields | undefined {
  const fields: LinkFields = {
    userId: ABSENT,
    anonymousId: ABSENT,
    timestamp: ABSENT,
    previousId: false,
  }
  // `test` with `lastIndex` rather than `exec`: no match array per key.
  LINK_KEY_OR_BACKSLASH.lastIndex = 0
  while (LINK_KEY_OR_BACKSLASH.test(line)) {
    const end = LINK_KEY_OR_BACKSLASH.lastIndex
    if (line.charCodeAt(end - 1) === 92 /* \ */) return undefined
    const key = keyEndingAt(line, end)
    if (key === 'previousId') fields.previousId = true
    else fields[key] = fields[key] === ABSENT ? valueAfter(line, end) : undefined
  }
  return fields
}

/** A link key as a string (`"userId"`, ...) or a backslash: a line's next one from `lastIndex`. */
const LINK_KEY_OR_BACKSLASH = /\\|"(?:userId|anonymousId|timestamp|previousId)"/g

interface LinkFields {
  userId: string | undefined | typeof ABSENT
  anonymousId: string | undefined | typeof ABSENT
  timestamp: string | undefined | typeof ABSENT
  previousId: boolean
}

/**
 * Which link key's string ends at `end`, where {@link LINK_KEY_OR_BACKSLASH} found one: their
 * ends differ (`…rId"`, `…amp"`, `…mousId"`, `…iousId"`), and reading two letters cost less than
 * comparing the keys there (about 10 ms of the large history's identity pass).
 */
function keyEndingAt(line: string, end: number): keyof LinkFields {
  const code = line.charCodeAt(end - 4)
  if (code === 114 /* r */) return 'userId'
  if (code === 97 /* a */) return 'timestamp'
  return line.charCodeAt(end - 7) === 109 /* m */ ? 'anonymousId' : 'previousId'
}

/** The plain string after `: ` at `i`, as {@link plainString} reads it after its key. */
function valueAfter(line: string, i: number): string | undefined {
  while (isJsonSpace(line, i)) i++
  if (line.charCodeAt(i++) !== 58 /* : */) return undefined
  while (isJsonSpace(line, i)) i++
  if (line.charCodeAt(i) !== 34 /* " */) return undefined
  const end = line.indexOf('"', i + 1)
  return end === -1 ? undefined : line.slice(i + 1, end)
}

/** Whether the character at `i` is JSON whitespace (space, tab, line feed, carriage return). */
function isJsonSpace(line: string, i: number): boolean {
  const code = line.charCodeAt(i)
  return code === 32 || code === 9 || code === 10 || code === 13
}

/**
 * The string value of `key` if it occurs once in `line` (without escapes) as `key: "value"`.
 * Read with `indexOf` rather than a regular expression, whose match array per call was most of
 * what this pass allocated. Other whitespace than JSON's (which JSON text cannot hold there)
 * reads as no value, and the caller then parses the line.
 */
export function plainString(line: string, key: string): string | undefined {
  const at = line.indexOf(key)
  if (at === -1 || line.indexOf(key, at + key.length) !== -1) return undefined
  return valueAfter(line, at + key.length)
}
