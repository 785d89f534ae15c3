// `tagwise eval --rules RULES.json --events EVENTS.ndjson`: every profile's tags and metrics.
import {
  compileRules,
  didYouMean,
  formatProblem,
  anonymousProfile,
  IdentityGraph,
  parseEvent,
  parseProfileName,
  parseTimestamp,
  RulesError,
  userProfile,
  type ParsedEvent,
  type ProfileState,
  type Rules,
} from '../rules/index.ts'
import { readRules } from './check.ts'
import { CliError } from './cli-error.ts'
import { readLines, withEventsFile } from './events-file.ts'
import { oneLine, type Output } from './output.ts'
import { parse, usageError } from './usage.ts'

export async function evaluate(args: string[], out: Output, err: Output): Promise<number> {
  const string = { type: 'string' } as const
  const { values } = parse(args, { rules: string, events: string, now: string, explain: string }, 0)
  if (values.rules === undefined) throw usageError('eval needs --rules RULES.json')
  if (values.events === undefined) throw usageError('eval needs --events EVENTS.ndjson (or -)')
  const fixedNow = values.now === undefined ? undefined : parseTimestamp(values.now)
  if (values.now !== undefined && fixedNow === undefined)
    throw usageError(
      `--now must be an ISO-8601 date-time with a time zone in the years 0000–9999, like 2026-01-31T00:00:00Z (got "${values.now}")`,
    )
  let rules: Rules
  try {
    rules = compileRules(await readRules(values.rules))
  } catch (error) {
    if (!(error instanceof RulesError)) throw error
    for (const problem of error.problems) err.write(`${oneLine(formatProblem(problem))}\n`)
    return 1
  }
  const explain = values.explain
  if (explain !== undefined && !rules.tags.some((t) => t.id === explain))
    throw new CliError(unknownTag(explain, rules), 2)

  return withEventsFile(values.events, async (open) => {
    // Pass 1 collects identity links, parsing only lines that may add one. Pass 2 validates
    // every line, reports bad ones and routes good events to their profile's state in input order.
    const graph = new IdentityGraph()
    await readLines(open(), err, (line, n) => {
      if (!mayAddLink(line, n, graph)) return
      const event = parseLine(line)
      if (event !== undefined && !('error' in event)) graph.addEvent(event.raw, event.ts, n)
    })
    const states = new Map<string, ProfileState>()
    let latest = -Infinity
    let bad = 0
    await readLines(open(), err, (line, n) => {
      const event = parseLine(line)
      if (event === undefined) return
      if ('error' in event) {
        bad++
        err.write(`line ${n}: ${oneLine(event.error)}\n`)
        return
      }
      if (event.ts > latest) latest = event.ts
      const key = graph.profileKeyOf(event.raw)
      let state = states.get(key)
      if (state === undefined) {
        state = rules.createState({ maxMessageIds: Infinity })
        states.set(key, state)
      }
      if (fixedNow === undefined || event.ts <= fixedNow) state.ingest(event)
    })
    const now = fixedNow ?? latest
    for (const [profile, key] of printedNames(states.keys())) {
      const state = states.get(key)!
      const { tags, metrics } = state.evaluate(now, { nextChangeAt: false })
      const line =
        explain === undefined
          ? { profile, tags, metrics }
          : {
              profile,
              tags,
              metrics,
              explain: state.explain(explain, now),
            }
      out.write(`${JSON.stringify(line)}\n`)
      await out.flush()
    }
    return bad > 0 ? 1 : 0
  })
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

function unknownTag(id: string, rules: Rules): string {
  const ids = rules.tags.map((t) => t.id)
  const close = ids.filter((candidate) => didYouMean(id, [candidate]) !== '').slice(0, 5)
  if (close.length)
    return `--explain: unknown tag "${id}"; did you mean ${close.map((c) => `"${c}"`).join(', ')}?`
  if (ids.length === 0) return `--explain: unknown tag "${id}"; the rules define no tags`
  const some = ids.slice(0, 10).join(', ')
  return `--explain: unknown tag "${id}"; tags are: ${some}${ids.length > 10 ? ', ...' : ''}`
}

/**
 * Whether a line may add an identity link that `graph` does not have yet, without parsing it when
 * possible. Without `\u` escapes, a line holds a link only if it spells `"userId"` and
 * `"anonymousId"` or `"previousId"`. Without any escapes, if each of `"anonymousId"`, `"userId"`
 * and `"timestamp"` occurs once with a plain string value, the only link the line can add is that
 * pair at that time (if those keys are not top-level, it adds none), which an earlier record of the
 * same pair makes a no-op.
 */
function mayAddLink(line: string, n: number, graph: IdentityGraph): boolean {
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

const AFTER_KEY = /\s*:\s*"([^"]*)"/y

/** The string value of `key` if it occurs once in `line` (without escapes) as `key: "value"`. */
function plainString(line: string, key: string): string | undefined {
  const at = line.indexOf(key)
  if (at === -1 || line.indexOf(key, at + key.length) !== -1) return undefined
  AFTER_KEY.lastIndex = at + key.length
  return AFTER_KEY.exec(line)?.[1]
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
  const parsed = parseEvent(value)
  return parsed.ok ? parsed.event : { error: parsed.error }
}
