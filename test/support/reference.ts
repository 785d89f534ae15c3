// A deliberately naive reference implementation of the metric and tag semantics of
// /work/shared/spec/rules.md ("Metric", "Windows", "Tag", "Precise semantics"), for ONE profile.
// Everything is recomputed from the full list of events on every call: no buckets, no incremental
// state, no sharing with rules/state.ts & co. Only the event parser, JsonLogic and glob are reused.
import type { MetricDef, RulesDocument, TagDef } from '../../rules/document/document.ts'
import type { TagwiseEvent } from '../../rules/document/event.ts'
import { parseEvent } from '../../rules/document/event.ts'
import { glob } from '../../rules/logic/glob.ts'
import { compileLogic } from '../../rules/edge/logic.ts'
import { truthy } from '../../rules/logic/values.ts'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 86_400_000

/** A counted event: parsed timestamp, position in the input, position in (timestamp, input) order. */
interface Ev {
  raw: TagwiseEvent
  ts: number
  input: number
  session: number
}

/** A dwell visit: its page event and its dwell. */
interface Visit {
  page: Ev
  dwell: number
}

/** Everything derived from the events at `now`, shared by the exported functions. */
interface Context {
  now: number
  timeoutMs: number
  /** Counted events sorted by (timestamp, input order). */
  events: Ev[]
  /** Index of the current session, or -1 when there is none. */
  currentSession: number
  traits: Record<string, unknown>
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

// Spec "Numbers": a finite JSON number, or a string in JSON number syntax whose value is finite.
const JSON_NUMBER_SYNTAX = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/
function numeric(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined
  if (typeof v === 'string' && JSON_NUMBER_SYNTAX.test(v)) {
    const n = Number(v)
    return Number.isFinite(n) ? n : undefined
  }
  return undefined
}

/** `a.b.c` looked up in `obj`; `undefined` when any step is missing. */
function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj
  for (const key of path.split('.')) {
    if (Array.isArray(cur)) cur = /^[0-9]+$/.test(key) ? cur[Number(key)] : undefined
    else if (isRecord(cur))
      cur = Object.prototype.hasOwnProperty.call(cur, key) ? cur[key] : undefined
    else return undefined
  }
  return cur
}

/** Spec "Events": `properties.path` if it is a string, else `context.page.path`. */
function pathOf(raw: TagwiseEvent): string | undefined {
  const p = getPath(raw, 'properties.path')
  if (typeof p === 'string') return p
  const c = getPath(raw, 'context.page.path')
  return typeof c === 'string' ? c : undefined
}

/** JSON equality key: JSON text with object keys sorted. */
function jsonKey(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(jsonKey).join(',')}]`
  if (isRecord(v)) {
    const keys = Object.keys(v).sort()
    return `{${keys.map((k) => `${JSON.stringify(k)}:${jsonKey(v[k])}`).join(',')}}`
  }
  return JSON.stringify(v)
}

/** Neumaier-compensated sum (the engine's choice; the spec only says "sum"). */
function sum(values: number[]): number {
  let s = 0
  let c = 0
  for (const v of values) {
    const t = s + v
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s
    s = t
  }
  return s + c
}

/** Window length in ms for `<n>m|h|d`, `undefined` for `session` / `lifetime`. */
export function windowMs(window: string): number | undefined {
  const m = /^([1-9][0-9]*)([mhd])$/.exec(window)
  if (!m) return undefined
  const n = Number(m[1])
  return n * (m[2] === 'm' ? MINUTE : m[2] === 'h' ? HOUR : DAY)
}

const asList = (v: string | string[]): string[] => (Array.isArray(v) ? v : [v])

function prepare(doc: RulesDocument, input: unknown[], now: number): Context {
  const timeoutMs = (doc.session?.timeoutMinutes ?? 30) * MINUTE
  // Good events only; events after `now` are dropped before deduplication.
  const good: Ev[] = []
  input.forEach((value, index) => {
    const parsed = parseEvent(value)
    if (!parsed.ok || parsed.event.ts > now) return
    good.push({ raw: parsed.event.raw, ts: parsed.event.ts, input: index, session: -1 })
  })
  // Duplicates by messageId: the first in input order wins.
  const seen = new Set<string>()
  const kept = good.filter((e) => {
    const id = e.raw.messageId
    if (typeof id !== 'string') return true
    if (seen.has(id)) return false
    seen.add(id)
    return true
  })
  const events = kept.sort((a, b) => a.ts - b.ts || a.input - b.input)
  // Sessions over all counted events: a gap >= timeout starts a new session.
  let session = -1
  let previous: number | undefined
  for (const e of events) {
    if (previous === undefined || e.ts - previous >= timeoutMs) session++
    e.session = session
    previous = e.ts
  }
  const last = events[events.length - 1]
  const currentSession = last !== undefined && now - last.ts < timeoutMs ? session : -1
  // Traits: shallow merge of identify traits in timestamp order.
  const traits: Record<string, unknown> = {}
  for (const e of events) {
    if (e.raw.type === 'identify' && isRecord(e.raw.traits)) Object.assign(traits, e.raw.traits)
  }
  return { now, timeoutMs, events, currentSession, traits }
}

/** Does the event belong to the metric's window at `now` (exact, no buckets)? */
function inWindow(ctx: Context, window: string, e: Ev): boolean {
  if (window === 'lifetime') return true
  if (window === 'session') return e.session === ctx.currentSession && ctx.currentSession >= 0
  const w = windowMs(window)
  if (w === undefined) throw new Error(`reference: bad window ${window}`)
  return ctx.now - w < e.ts && e.ts <= ctx.now
}

function whereTest(where: unknown): (raw: TagwiseEvent) => boolean {
  if (where === undefined) return () => true
  const fn = compileLogic(where as never)
  return (raw) => {
    try {
      return truthy(fn(raw as never))
    } catch {
      return false // a `where` that throws means the event does not match
    }
  }
}

/** Spec "Matching": all given conditions hold; `event` implies `type: "track"`. */
function matcher(def: MetricDef): (raw: TagwiseEvent) => boolean {
  const sel = def.events ?? {}
  const where = whereTest(sel.where)
  return (raw) => {
    if (sel.type !== undefined && !asList(sel.type).includes(raw.type)) return false
    if (sel.event !== undefined) {
      if (raw.type !== 'track') return false
      if (typeof raw.event !== 'string' || !asList(sel.event).includes(raw.event)) return false
    }
    if (sel.path !== undefined) {
      const path = pathOf(raw)
      if (path === undefined || !glob(sel.path, path)) return false
    }
    return where(raw)
  }
}

const isPageLike = (e: Ev): boolean => e.raw.type === 'page' || e.raw.type === 'screen'

/** Spec "Dwell": every visit (closed, or the latest one open in the current session). */
function visits(ctx: Context, def: MetricDef): Visit[] {
  const sel = def.events ?? {}
  const where = whereTest(sel.where) // `where` sees the page event; `type`/`event` are ignored
  const out: Visit[] = []
  const evs = ctx.events
  for (let i = 0; i < evs.length; i++) {
    const page = evs[i]!
    if (!isPageLike(page)) continue
    const path = pathOf(page.raw)
    if (sel.path !== undefined && (path === undefined || !glob(sel.path, path))) continue
    if (!where(page.raw)) continue
    let dwell: number | undefined
    let closed = false
    for (let j = i + 1; j < evs.length; j++) {
      const e = evs[j]!
      if (isPageLike(e)) {
        // Not closed by a `Page Left`: closed by the profile's next page/screen.
        dwell = e.ts - page.ts
        closed = true
        break
      }
      if (e.raw.type === 'track' && e.raw.event === 'Page Left' && pathOf(e.raw) === path) {
        const given = numeric(getPath(e.raw, 'properties.dwell_ms'))
        dwell = given ?? e.ts - page.ts
        closed = true
        break
      }
    }
    if (!closed) {
      // The profile's latest visit: open only while its session is current, else dropped.
      if (page.session !== ctx.currentSession || ctx.currentSession < 0) continue
      dwell = ctx.now - page.ts
    }
    out.push({ page, dwell: Math.min(dwell!, ctx.timeoutMs) })
  }
  return out
}

function metricValue(ctx: Context, def: MetricDef): unknown {
  if (def.agg === 'dwell' || def.agg === 'dwell_max') {
    const vs = visits(ctx, def).filter((v) => inWindow(ctx, def.window, v.page))
    if (def.agg === 'dwell') return sum(vs.map((v) => v.dwell))
    return vs.length === 0 ? null : Math.max(...vs.map((v) => v.dwell))
  }
  const match = matcher(def)
  const evs = ctx.events.filter((e) => match(e.raw) && inWindow(ctx, def.window, e))
  const field = (e: Ev): unknown =>
    def.field === undefined ? undefined : getPath(e.raw, def.field)
  const numbers = (): number[] =>
    evs.map((e) => numeric(field(e))).filter((n): n is number => n !== undefined)
  const present = (): { e: Ev; pos: number; v: unknown }[] =>
    evs.map((e, pos) => ({ e, pos, v: field(e) })).filter((x) => x.v !== null && x.v !== undefined)
  switch (def.agg) {
    case 'count':
      return evs.length
    case 'sum':
      return sum(numbers())
    case 'min': {
      const ns = numbers()
      return ns.length === 0 ? null : Math.min(...ns)
    }
    case 'max': {
      const ns = numbers()
      return ns.length === 0 ? null : Math.max(...ns)
    }
    case 'avg': {
      const ns = numbers()
      return ns.length === 0 ? null : sum(ns) / ns.length
    }
    case 'distinct':
      return new Set(present().map((x) => jsonKey(x.v))).size
    case 'top': {
      const tally = new Map<string, { count: number; lastPos: number; v: unknown }>()
      for (const x of present()) {
        const key = jsonKey(x.v)
        const t = tally.get(key)
        if (t) {
          t.count++
          t.lastPos = x.pos
        } else tally.set(key, { count: 1, lastPos: x.pos, v: x.v })
      }
      let best: { count: number; lastPos: number; v: unknown } | undefined
      for (const t of tally.values()) {
        if (!best || t.count > best.count || (t.count === best.count && t.lastPos > best.lastPos)) {
          best = t
        }
      }
      return best === undefined ? null : best.v
    }
    case 'first': {
      const p = present()
      return p.length === 0 ? null : p[0]!.v
    }
    case 'last': {
      const p = present()
      return p.length === 0 ? null : p[p.length - 1]!.v
    }
    case 'since_first':
      return evs.length === 0 ? null : ctx.now - evs[0]!.ts
    case 'since_last':
      return evs.length === 0 ? null : ctx.now - evs[evs.length - 1]!.ts
  }
  throw new Error(`reference: unknown aggregation ${String(def.agg)}`)
}

/** Every string anywhere in `v` (keys included). */
function strings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v)
  else if (Array.isArray(v)) for (const x of v) strings(x, out)
  else if (isRecord(v)) {
    for (const [k, x] of Object.entries(v)) {
      out.push(k)
      strings(x, out)
    }
  }
  return out
}

/** Tag ids in an order where every tag comes after the tags it reads (`tags.<id>` anywhere). */
function tagOrder(tags: Record<string, TagDef>): string[] {
  const ids = Object.keys(tags)
  const deps = new Map<string, string[]>()
  for (const id of ids) {
    const def = tags[id] as unknown as Record<string, unknown>
    const exprs = ['when', 'tiers', 'cases', 'else', 'score', 'value'].map((k) => def[k])
    const found = new Set<string>()
    for (const s of strings(exprs)) {
      const m = /^tags\.([a-z][a-z0-9_]*)/.exec(s)
      if (m && m[1] !== id && m[1]! in tags) found.add(m[1]!)
    }
    deps.set(id, [...found])
  }
  const order: string[] = []
  const state = new Map<string, 'visiting' | 'done'>()
  const visit = (id: string): void => {
    if (state.get(id) === 'done') return
    if (state.get(id) === 'visiting') throw new Error(`reference: tag cycle through ${id}`)
    state.set(id, 'visiting')
    for (const d of deps.get(id) ?? []) visit(d)
    state.set(id, 'done')
    order.push(id)
  }
  for (const id of ids) visit(id)
  return order
}

/** The value of one tag, or `undefined` when absent (spec table + "Tag results"). */
function tagValue(def: TagDef, data: Record<string, unknown>): unknown {
  const run = (expr: unknown): unknown => compileLogic(expr as never)(data as never)
  try {
    if ('when' in def) return truthy(run(def.when)) ? true : undefined
    if ('tiers' in def) {
      const x = numeric(run(def.tiers.of))
      if (x === undefined) return undefined
      const i = def.tiers.cuts.filter((c) => c <= x).length
      const label = def.tiers.labels[i]
      return label === null || label === false || label === '' ? undefined : label
    }
    if ('cases' in def) {
      let result: unknown
      let decided = false
      for (const c of def.cases) {
        if (truthy(run(c.when))) {
          result = c.then
          decided = true
          break
        }
      }
      if (!decided && 'else' in def) result = def.else
      return result === null || result === false ? undefined : result
    }
    if ('score' in def) {
      let z = def.score.bias ?? 0
      for (const [path, w] of Object.entries(def.score.weights)) {
        const v = getPath(data, path)
        const x =
          v === true ? 1 : v === false || v === null || v === undefined ? 0 : (numeric(v) ?? 0)
        z += w * x
      }
      const p = 1 / (1 + Math.exp(-z))
      return p >= (def.score.threshold ?? 0.5) ? Math.round(p * 1e4) / 1e4 : undefined
    }
    if ('value' in def) {
      const v = run(def.value)
      return v === null || v === undefined || v === '' || v === false ? undefined : v
    }
  } catch {
    return undefined // a tag whose expression throws is absent
  }
  throw new Error('reference: tag of unknown kind')
}

/**
 * Metrics and present tags of ONE profile at `now`, computed directly from every event given (in
 * input order), as literally as the spec reads. Metrics are `null` where undefined.
 */
export function referenceEvaluate(
  doc: RulesDocument,
  events: unknown[],
  now: number,
): { metrics: Record<string, unknown>; tags: Record<string, unknown> } {
  const ctx = prepare(doc, events, now)
  const metrics: Record<string, unknown> = {}
  for (const [id, def] of Object.entries(doc.metrics)) metrics[id] = metricValue(ctx, def) ?? null
  const tagValues: Record<string, unknown> = {}
  for (const id of Object.keys(doc.tags)) tagValues[id] = null
  const data = { metrics, tags: tagValues, traits: ctx.traits, now }
  const tags: Record<string, unknown> = {}
  for (const id of tagOrder(doc.tags)) {
    const value = tagValue(doc.tags[id]!, data)
    if (value !== undefined) {
      tags[id] = value
      tagValues[id] = value
    }
  }
  return { metrics, tags }
}

/**
 * Events (or dwell visits' page events) of `<n>m|h|d` metrics that lie within 1/60 of the window of
 * its lower edge `now − window`, where the spec lets a bucketed engine go either way:
 * `now − w − w/60 < ts ≤ now − w + w/60`. Empty when the exact reference is authoritative.
 */
export function windowEdgeConflicts(
  doc: RulesDocument,
  events: unknown[],
  now: number,
): { metric: string; ts: string; edge: string }[] {
  const ctx = prepare(doc, events, now)
  const out: { metric: string; ts: string; edge: string }[] = []
  for (const [id, def] of Object.entries(doc.metrics)) {
    const w = windowMs(def.window)
    if (w === undefined) continue
    const edge = now - w
    const candidates =
      def.agg === 'dwell' || def.agg === 'dwell_max'
        ? visits(ctx, def).map((v) => v.page)
        : ctx.events.filter((e) => matcher(def)(e.raw))
    for (const e of candidates) {
      if (edge - w / 60 < e.ts && e.ts <= edge + w / 60) {
        out.push({
          metric: id,
          ts: new Date(e.ts).toISOString(),
          edge: new Date(edge).toISOString(),
        })
      }
    }
  }
  return out
}
