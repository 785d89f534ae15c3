// `tagwise` command line (spec: rules.md §4). The only file of rules/ that may use Node APIs.
import { once } from 'node:events'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { StringDecoder } from 'node:string_decoder'
import { parseArgs } from 'node:util'
import type { ProfileState, Rules } from '../rules/api.ts'
import { compileRules } from '../rules/edge/compile-rules.ts'
import { parseEvent, parseTimestamp, type ParsedEvent } from '../rules/document/event.ts'
import { IdentityGraph } from '../rules/state/identity.ts'
import { RulesError, formatProblem } from '../rules/validate/problem.ts'
import { didYouMean } from '../rules/validate/suggest.ts'
import { LIMITS } from '../rules/document/limits.ts'
import { checkRules } from '../rules/validate/check-rules.ts'

const USAGE = `Usage:
  tagwise check RULES.json
  tagwise eval --rules RULES.json --events EVENTS.ndjson [--now ISO-8601] [--explain TAG_ID]

Commands:
  check  Validate a rules document: a one-line summary, or every problem as "path: message".
  eval   Evaluate every profile of an NDJSON event stream ("-" reads stdin), one JSON line each.
         --now defaults to the latest event timestamp; --explain adds why TAG_ID has its value.

Exit codes: 0 ok, 1 problems in the rules or bad event lines, 2 bad usage.
`

/** A failure to report as one plain line (no stack trace) with its exit code. */
class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message)
  }
}

const usageError = (message: string) => new CliError(`${message}\n\n${USAGE.trimEnd()}`, 2)

/** One output line per message, whatever the message contains. */
const oneLine = (text: string) => text.replace(/\s*[\r\n]+\s*/g, ' ')

/**
 * Collects small writes into large ones and waits for the stream when it is full. A reader that
 * goes away (`| head`) is not an error: the rest of the output is dropped.
 */
class Output {
  private parts: string[] = []
  private size = 0
  private closed = false
  private failure: Error | undefined
  constructor(private readonly stream: Writable) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') this.closed = true
      else this.failure = error
    })
  }
  write(text: string): void {
    this.parts.push(text)
    this.size += text.length
  }
  /** Writes what was collected once there is enough of it (all of it with `force`). */
  async flush(force = false): Promise<void> {
    if (this.size === 0 || (!force && this.size < 1 << 16)) return
    const text = this.parts.join('')
    this.parts = []
    this.size = 0
    if (this.failure) throw this.failure
    if (this.closed || this.stream.write(text) || this.stream.destroyed) return
    await once(this.stream, 'drain').catch(() => undefined)
    if (this.failure) throw this.failure
  }
}

async function main(argv: string[], out: Output, err: Output): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    out.write(USAGE)
    return 0
  }
  const [command, ...rest] = argv
  if (command === 'check') return check(rest, out, err)
  if (command === 'eval') return evaluate(rest, out, err)
  throw usageError(command === undefined ? 'missing command' : `unknown command "${command}"`)
}

function parse(args: string[], options: Record<string, { type: 'string' }>, positionals: number) {
  try {
    const parsed = parseArgs({ args, options, allowPositionals: positionals > 0, strict: true })
    if (parsed.positionals.length > positionals)
      throw new Error(`unexpected argument "${parsed.positionals[positionals]}"`)
    return parsed
  } catch (error) {
    throw usageError((error as Error).message.split('. ')[0]!)
  }
}

async function check(args: string[], out: Output, err: Output): Promise<number> {
  const [path] = parse(args, {}, 1).positionals
  if (path === undefined) throw usageError('check needs the rules file: tagwise check RULES.json')
  const result = checkRules(await readRules(path))
  for (const problem of result.problems) err.write(`${oneLine(formatProblem(problem))}\n`)
  for (const warning of result.warnings) err.write(`warning: ${oneLine(formatProblem(warning))}\n`)
  if (!result.ok) return 1
  const { metrics, tags, deviceTags } = result.summary
  out.write(`ok: ${metrics} metrics, ${tags} tags (${deviceTags} on device)\n`)
  return 0
}

/** The rules file as text; larger than the engine's limit is a problem, not an out-of-memory. */
async function readRules(path: string): Promise<string> {
  try {
    const file = await stat(path)
    if (file.isDirectory()) throw readError('rules', path, { code: 'EISDIR' })
    if (file.size > LIMITS.bytes)
      throw new CliError(`${path}: the document is larger than 1 MB (${file.size} bytes)`, 1)
    return (await readFile(path, 'utf8')).replace(/^\uFEFF/, '')
  } catch (error) {
    throw readError('rules', path, error)
  }
}

function readError(what: string, path: string, error: unknown): CliError {
  if (error instanceof CliError) return error
  const code = (error as NodeJS.ErrnoException).code
  const reason =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EACCES'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'it is a directory'
          : (error as Error).message
  return new CliError(`cannot read ${what} file "${path}": ${reason}`, 1)
}

async function evaluate(args: string[], out: Output, err: Output): Promise<number> {
  const string = { type: 'string' } as const
  const { values } = parse(args, { rules: string, events: string, now: string, explain: string }, 0)
  if (values.rules === undefined) throw usageError('eval needs --rules RULES.json')
  if (values.events === undefined) throw usageError('eval needs --events EVENTS.ndjson (or -)')
  const fixedNow = values.now === undefined ? undefined : parseTimestamp(values.now)
  if (values.now !== undefined && fixedNow === undefined)
    throw usageError(
      `--now must be an ISO-8601 date-time with a time zone, like 2026-01-31T00:00:00Z (got "${values.now}")`,
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
    for (const profile of [...states.keys()].sort()) {
      const state = states.get(profile)!
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
    from === undefined || to === undefined || ts === undefined || !graph.covers(from, to, ts, n)
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

/**
 * Runs `use` with a way to open the events twice. A regular file is read twice; stdin or a pipe is
 * first copied to a temporary file (deleted afterwards), so memory never holds the events.
 */
async function withEventsFile<T>(path: string, use: (open: () => Readable) => Promise<T>) {
  const highWaterMark = 1 << 20
  if (path !== '-') {
    const kind = await stat(path).catch((error: unknown) => {
      throw readError('events', path, error)
    })
    if (kind.isDirectory()) throw readError('events', path, { code: 'EISDIR' })
    if (kind.isFile()) return use(() => createReadStream(path, { highWaterMark }))
  }
  const dir = await mkdtemp(join(tmpdir(), 'tagwise-'))
  try {
    const spool = join(dir, 'events.ndjson')
    const input = path === '-' ? process.stdin : createReadStream(path, { highWaterMark })
    await pipeline(input, createWriteStream(spool)).catch((error: unknown) => {
      throw readError('events', path, error)
    })
    return await use(() => createReadStream(spool, { highWaterMark }))
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** Calls `onLine` with every line and its 1-based number; flushes `err` between chunks. */
async function readLines(
  stream: Readable,
  err: Output,
  onLine: (line: string, n: number) => void,
): Promise<void> {
  const decoder = new StringDecoder('utf8')
  let partial: string[] = []
  let n = 0
  for await (const bytes of stream as AsyncIterable<Buffer>) {
    const chunk = decoder.write(bytes)
    let start = 0
    for (let end = chunk.indexOf('\n'); end !== -1; end = chunk.indexOf('\n', start)) {
      const piece = chunk.slice(start, end)
      if (partial.length === 0) onLine(piece, ++n)
      else {
        partial.push(piece)
        onLine(partial.join(''), ++n)
        partial = []
      }
      start = end + 1
    }
    if (start < chunk.length) partial.push(chunk.slice(start))
    await err.flush()
  }
  partial.push(decoder.end())
  const last = partial.join('')
  if (last !== '') onLine(last, ++n)
}

async function run(): Promise<void> {
  const out = new Output(process.stdout)
  const err = new Output(process.stderr)
  try {
    process.exitCode = await main(process.argv.slice(2), out, err)
  } catch (error) {
    const known = error instanceof CliError
    err.write(`tagwise: ${known ? error.message : (error as Error).stack}\n`)
    process.exitCode = known ? error.exitCode : 1
  }
  await out.flush(true)
  await err.flush(true)
}

await run()
