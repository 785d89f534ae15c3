import { explanation } from '../tags/explanation.ts'
import { failureMessage } from '../logic/logic-error-message.ts'
import { jsonKey, later } from '../aggregate/accumulator.ts'
import type { Accumulator, Sample } from '../aggregate/accumulator.ts'
import type {
  EvaluateOptions,
  Evaluation,
  Explanation,
  IngestResult,
  ProfileState,
  StateOptions,
  StateSnapshot,
} from '../api.ts'
import type { CompiledRules } from './compiled-rules.ts'
import type { MetricValue, TagValue } from '../document/document.ts'
import { isParsedEvent, parseEvent, type ParsedEvent } from '../document/event.ts'
import { isObject, own, type Json } from '../document/json.ts'
import type { CompiledMetric } from '../metric/compile-metric.ts'
import { edgeNextChange } from './edge-next-change.ts'
import {
  currentSession,
  mergeSessions,
  placeInSession,
  sessionAt,
  type Session,
} from './sessions.ts'
import { restoreData } from './restore-data.ts'
import {
  emptyData,
  setOwn,
  type PendingEvent,
  type ProfileData,
  type ProfileJson,
  type TraitEntry,
} from './state-data.ts'
import {
  MAX_TAG_VALUE_CHARS,
  MAX_TRAIT_KEY_CHARS,
  MAX_TRAIT_VALUE_CHARS,
  MAX_TRAITS,
} from '../document/limits.ts'
import type { TagData } from '../tags/slots.ts'
import type { CompiledTag } from '../tags/compile-tag.ts'
import { insertPage, NO_METRICS, pageEntry, trimPages, visitsOf, type Visit } from './visits.ts'
import { bucketOf, lowestBucket } from '../metric/window.ts'
import { windowValue } from './window-fold.ts'

const DEFAULT_MAX_IDS = 10_000

/** Adds `entry` to `pending` in timestamp order, after the entries of the same time. */
function insertPending(pending: PendingEvent[], entry: PendingEvent): void {
  let at = pending.length
  while (at > 0 && pending[at - 1]!.ts > entry.ts) at--
  pending.splice(at, 0, entry)
}

/**
 * A tag value as it is stored and sent: a number past ±1.8e308 (`2 × metrics.revenue` at the
 * top of the range) or NaN has no JSON, and would read back `null`, so the tag is absent.
 */
const storable = (value: TagValue | undefined) =>
  typeof value === 'number' && !Number.isFinite(value) ? undefined : value

/** A tag value, or `undefined` (absent) when its JSON is longer than MAX_TAG_VALUE_CHARS. */
function bounded(value: TagValue | undefined): TagValue | undefined {
  const chars =
    typeof value === 'string'
      ? value.length
      : typeof value === 'object' && value !== null
        ? JSON.stringify(value).length
        : 0
  return chars > MAX_TAG_VALUE_CHARS ? undefined : value
}

/** A tag's value over `data`, as a state keeps it (`undefined`: absent). */
const storedValue = (tag: CompiledTag, data: TagData) => bounded(storable(tag.evaluate(data)))

/**
 * Whether a profile holding `traits` takes a trait it does not have yet: its key is short enough
 * and the profile has room (the first keys win; see MAX_TRAITS).
 */
function keepsNewTrait(traits: Record<string, TraitEntry>, key: string): boolean {
  return key.length <= MAX_TRAIT_KEY_CHARS && Object.keys(traits).length < MAX_TRAITS
}

/** Creates an empty state, or restores one from a snapshot (metrics whose definition changed start empty). */
export function createProfileState(
  compiled: CompiledRules,
  options: StateOptions = {},
  snapshot?: StateSnapshot,
): ProfileState {
  return new State(
    compiled,
    options.maxMessageIds ?? DEFAULT_MAX_IDS,
    options.maxPendingSize ?? Infinity,
    snapshot,
  )
}

/** Folds accumulators by metric id into others, metric by metric; one `into` lacks is taken as it is. */
function mergeAccumulators(
  metrics: readonly CompiledMetric[],
  into: Record<string, Accumulator>,
  from: Record<string, Accumulator>,
): void {
  for (const metric of metrics) {
    const acc = from[metric.id]
    if (!acc) continue
    const target = into[metric.id]
    if (target) metric.aggregator.merge(target, acc)
    else into[metric.id] = acc
  }
}

const sessionJoins = /* @__PURE__ */ new WeakMap<
  CompiledRules,
  (into: Session, from: Session) => void
>()

/**
 * The function that joins a later session's accumulators into an earlier one's, made once per
 * rules: not per event (it was a closure per event), nor per state (`tagwise eval` holds a state
 * per profile).
 */
function joinSessionsOf(compiled: CompiledRules): (into: Session, from: Session) => void {
  let join = sessionJoins.get(compiled)
  if (join === undefined) {
    join = (into, from) => mergeAccumulators(compiled.metrics, into.accumulators, from.accumulators)
    sessionJoins.set(compiled, join)
  }
  return join
}

const everyMetric = /* @__PURE__ */ new WeakMap<CompiledRules, Record<string, MetricValue>>()

/**
 * An object with every metric id of the rules, in their order (each `null`), that an edge
 * evaluation copies and fills: adding some 30 ids one by one to an empty object turned each
 * evaluation's metrics into a dictionary, slower to fill and to serialize (`tagwise eval` fills
 * one per profile), where a copy keeps the template's shape. The keys, and their order, are the same.
 */
function everyMetricOf(compiled: CompiledRules): Record<string, MetricValue> {
  let template = everyMetric.get(compiled)
  if (template === undefined) {
    template = Object.fromEntries(compiled.metrics.map((metric) => [metric.id, null]))
    everyMetric.set(compiled, template)
  }
  return template
}

const everyTag = /* @__PURE__ */ new WeakMap<CompiledRules, Record<string, TagValue | null>>()

/**
 * An object with every tag id of the rules, in evaluation order (each `null`), that an evaluation
 * copies and fills, for the same reason as {@link everyMetricOf}: the catalog's 24 tag ids added
 * one by one made each evaluation's tags a dictionary (`%HasFastProperties` false; the copy's true).
 */
function everyTagOf(compiled: CompiledRules): Record<string, TagValue | null> {
  let template = everyTag.get(compiled)
  if (template === undefined) {
    template = Object.fromEntries(compiled.tags.map((tag) => [tag.id, null]))
    everyTag.set(compiled, template)
  }
  return template
}

/**
 * The sample `count` hands to the aggregators, one object refilled for every metric of every
 * event: folds read its fields and keep none of them (they copy what they need), and a fresh
 * object per metric and event made `tagwise eval` allocate, and collect, 40 bytes each time. One
 * for all states, not one per state: nothing runs between filling it and the fold's return, and
 * `tagwise eval` holds a state per profile (20,000 on the long history of `npm run bench cli`).
 */
const SAMPLE: Sample = { value: undefined, ts: 0, seq: 0 }

class State implements ProfileState {
  readonly compiled: CompiledRules
  private readonly maxIds: number
  private readonly maxPendingSize: number
  private readonly hasDwell: boolean
  data: ProfileData
  private ids: Set<string>
  /** Visits derived from the page timeline; rebuilt when read after the timeline changed. */
  private visitCache: Visit[] | undefined
  /** Merged traits; rebuilt when read after an identify or a merge. */
  private traitCache: Record<string, Json> | undefined
  /** Joins a later session's accumulators into an earlier one's (see {@link joinSessionsOf}). */
  private readonly joinSessions: (into: Session, from: Session) => void

  constructor(
    compiled: CompiledRules,
    maxIds: number,
    maxPendingSize: number,
    snapshot?: StateSnapshot,
  ) {
    this.compiled = compiled
    this.maxIds = maxIds
    this.maxPendingSize = maxPendingSize
    this.hasDwell = compiled.metrics.some((m) => m.dwell)
    this.joinSessions = joinSessionsOf(compiled)
    this.data = snapshot ? restoreData(compiled, snapshot) : emptyData(compiled)
    this.ids = new Set(this.data.messageIds)
  }

  get visits(): Visit[] {
    return (this.visitCache ??= visitsOf(this.data.pages, this.compiled.timeout))
  }

  ingest(input: unknown, now?: number): IngestResult {
    let event: ParsedEvent
    if (isParsedEvent(input)) event = input
    else {
      const parsed = parseEvent(input)
      if (!parsed.ok) return { status: 'rejected', error: parsed.error }
      event = parsed.event
    }
    // Events that came due count first: they happened before this one arrived.
    if (now !== undefined) this.release(now)
    // With no messageId to remember (maxMessageIds 0, the collector's) and none left from a
    // snapshot, there is nothing to look up, and remembering one forgets it at once.
    const id = this.maxIds === 0 && this.ids.size === 0 ? undefined : event.raw.messageId
    if (now !== undefined && event.ts > now) {
      if (typeof id === 'string' && this.ids.has(id)) return { status: 'duplicate' }
      const refused = this.defer(event)
      if (refused) return { status: 'rejected', error: refused }
      if (typeof id === 'string') this.remember(id)
      return { status: 'pending' }
    }
    // Looked up and remembered in one step: `tagwise eval` remembers every messageId.
    if (typeof id === 'string' && !this.remember(id)) return { status: 'duplicate' }
    this.count(event, ++this.data.seq)
    return { status: 'counted' }
  }

  /** Keeps an event dated in the future until it is due; why not, when it does not fit. */
  private defer(event: ParsedEvent): string | undefined {
    const pending = this.data.pending ?? []
    const size = JSON.stringify(event.raw).length
    const held = pending.reduce((sum, entry) => sum + entry.size, 0)
    if (held + size > this.maxPendingSize)
      return `${pending.length} events dated after their arrival already wait in this profile (${held} characters of JSON, at most ${this.maxPendingSize}): send this one when it is due`
    insertPending((this.data.pending = pending), { ts: event.ts, size, event: event.raw })
    return undefined
  }

  /** Counts the pending events dated at or before `now`, by timestamp, then arrival. */
  private release(now: number): void {
    const pending = this.data.pending
    if (!pending?.length || pending[0]!.ts > now) return
    while (pending.length && pending[0]!.ts <= now) {
      const { ts, event } = pending.shift()!
      this.count({ raw: event, ts }, ++this.data.seq)
    }
    if (!pending.length) delete this.data.pending
  }

  /** Remembers messageId `id`; false if it was remembered already (a duplicate). */
  private remember(id: string): boolean {
    const ids = this.ids
    const size = ids.size
    ids.add(id)
    if (ids.size === size) return false
    if (this.maxIds === Infinity) return true
    const remembered = this.data.messageIds
    remembered.push(id)
    if (remembered.length > this.maxIds) ids.delete(remembered.shift()!)
    return true
  }

  private count(event: ParsedEvent, seq: number): void {
    const { compiled, data } = this
    const { ts, raw } = event
    const session = placeInSession(data.sessions, ts, compiled.timeout, this.joinSessions)
    if (raw.type === 'identify' && isObject(raw.traits)) {
      this.traitCache = undefined
      for (const [key, value] of Object.entries(raw.traits)) {
        const old = own(data.traits, key)
        if (old ? later(ts, seq, old.ts, old.seq) : keepsNewTrait(data.traits, key))
          if (jsonKey(value).length <= MAX_TRAIT_VALUE_CHARS)
            setOwn(data.traits, key, { value: value as Json, ts, seq })
      }
    }
    let dwellMatches: string[] | undefined
    const sample = SAMPLE
    for (const metric of compiled.route(raw.type, raw.event)) {
      if (metric.dwell) {
        if (metric.matches(event)) (dwellMatches ??= []).push(metric.id)
        continue
      }
      if (!metric.matches(event)) continue
      sample.value = metric.field(event)
      sample.ts = ts
      sample.seq = seq
      this.add(metric, sample, session)
    }
    sample.value = undefined
    if (this.hasDwell) {
      const entry = pageEntry(event, seq, dwellMatches ?? NO_METRICS)
      if (entry && insertPage(data.pages, entry)) {
        this.visitCache = undefined
        for (const visit of trimPages(data.pages, compiled.timeout)) this.finalize(visit)
      }
    }
  }

  /** Hands a finished visit to its dwell metrics' accumulators. */
  private finalize(visit: Visit): void {
    for (const id of visit.metrics) {
      const metric = this.compiled.metrics.find((m) => m.id === id)
      if (metric)
        this.add(
          metric,
          { value: visit.dwell, ts: visit.start, seq: 0 },
          sessionAt(this.data.sessions, visit.start),
        )
    }
  }

  private add(metric: CompiledMetric, sample: Sample, session: Session | undefined): void {
    const { window, aggregator, id } = metric
    const data = this.data
    if (window.kind === 'lifetime') {
      aggregator.add((data.lifetime[id] ??= aggregator.create()), sample)
    } else if (window.kind === 'session') {
      if (session) aggregator.add((session.accumulators[id] ??= aggregator.create()), sample)
    } else {
      const buckets = data.buckets
      const index = bucketOf(sample.ts, window.bucketMs)
      const newest = this.data.sessions.length
        ? this.data.sessions[this.data.sessions.length - 1]!.end
        : sample.ts
      const oldest = lowestBucket(newest, window.bucketMs)
      if (index < oldest) {
        // Already outside the window for good, but the metric is listed (the snapshot shows
        // `{}`), as it is by `insert`; one with a bucket is listed already.
        buckets.list(id)
        return
      }
      let acc = buckets.get(id, index)
      if (!acc) {
        // A new bucket: the time to drop the ones that have left the window for good.
        buckets.insert(id, index, (acc = aggregator.create()), oldest)
      }
      aggregator.add(acc, sample)
    }
  }

  /** Metric values at `now`; on the device only `session` metrics (the others are the edge's). */
  private metricsAt(now: number, device = false): Record<string, MetricValue> {
    const session = currentSession(this.data.sessions, now, this.compiled.timeout)
    const metrics: Record<string, MetricValue> = device ? {} : { ...everyMetricOf(this.compiled) }
    for (const metric of this.compiled.metrics) {
      if (device && metric.window.kind !== 'session') continue
      metrics[metric.id] = windowValue(this, metric, now, session)
    }
    return metrics
  }

  private tagsAt(
    metrics: Record<string, MetricValue>,
    now: number,
    options: EvaluateOptions,
    errors?: Record<string, unknown>,
  ): { data: TagData; present: Record<string, TagValue> } {
    const device = options.scope === 'device'
    const durable = options.durableTags ?? {}
    const tags = { ...everyTagOf(this.compiled) }
    const { slots } = this.compiled
    const v = new Array<unknown>(slots.size)
    const ms = this.compiled.metrics
    for (let i = 0; i < ms.length; i++) v[i] = metrics[ms[i]!.id] ?? null
    v[slots.now] = now
    const data: TagData = { metrics, tags, traits: this.traitValues(), now, v, errors }
    const present: Record<string, TagValue> = {}
    const all = this.compiled.tags
    const first = slots.tag(all[0]?.id ?? '')
    for (let i = 0; i < all.length; i++) {
      const tag = all[i]!
      // Tags sit in the slots in evaluation order, right after the metrics.
      const elsewhere = device && !tag.onDevice
      const value = elsewhere
        ? (own(durable, tag.id) ?? undefined)
        : bounded(storable(tag.evaluate(data)))
      tags[tag.id] = value ?? null
      v[first + i] = value ?? null
      if (value !== undefined && !elsewhere) present[tag.id] = value
    }
    return { data, present }
  }

  evaluate(now: number, options: EvaluateOptions = {}): Evaluation {
    this.release(now)
    const metrics = this.metricsAt(now, options.scope === 'device')
    // The edge reports the tags that threw (tag health); a device evaluation keeps the device
    // engine's shape, which does not.
    const errors: Record<string, unknown> = {}
    const { data, present } = this.tagsAt(
      metrics,
      now,
      options,
      options.scope === 'device' ? undefined : errors,
    )
    const thrown = Object.keys(errors).length ? { errors: inWords(errors) } : {}
    if (options.nextChangeAt === false)
      return { tags: present, metrics, nextChangeAt: null, ...thrown }
    // The next pending event changes the state when it comes due: no later than its timestamp.
    const next = edgeNextChange(this, options.scope === 'device', now, data, storedValue)
    const due = this.data.pending?.[0]?.ts
    const nextChangeAt = due === undefined || (next !== null && next < due) ? next : due
    return { tags: present, metrics, nextChangeAt, ...thrown }
  }

  explain(tagId: string, now: number, options: EvaluateOptions = {}): Explanation {
    const tag = this.compiled.tags.find((t) => t.id === tagId)
    const info = this.compiled.info.get(tagId)
    if (!tag || !info) throw new Error(`unknown tag "${tagId}"`)
    this.release(now)
    const metrics = this.metricsAt(now)
    const { data, present } = this.tagsAt(metrics, now, options)
    return explanation(
      tag,
      info.evaluatedOn,
      info.metrics,
      data,
      own(present, tagId),
      this.compiled.explain,
    )
  }

  traits(): Record<string, Json> {
    return { ...this.traitValues() }
  }

  /** The merged traits, shared with tag data (read-only). */
  private traitValues(): Record<string, Json> {
    if (this.traitCache) return this.traitCache
    const out: Record<string, Json> = (this.traitCache = {})
    for (const [key, { value }] of Object.entries(this.data.traits)) setOwn(out, key, value)
    return out
  }

  snapshot(): StateSnapshot {
    // The buckets as the snapshot format has them: an object by metric id, of objects by bucket
    // index (ProfileBuckets' `toJSON`).
    const json = { ...this.data, buckets: this.data.buckets.toJSON() }
    const copy = JSON.parse(JSON.stringify(json)) as ProfileJson
    if (this.maxIds === Infinity) copy.messageIds = [...this.ids]
    return copy as unknown as StateSnapshot
  }

  merge(other: ProfileState): void {
    const theirs = restoreData(this.compiled, other.snapshot())
    const data = this.data
    for (const id of theirs.messageIds) if (!this.ids.has(id)) this.remember(id)
    data.seq = Math.max(data.seq, theirs.seq)
    this.traitCache = undefined
    for (const [key, entry] of Object.entries(theirs.traits)) {
      const old = own(data.traits, key)
      if (old ? later(entry.ts, entry.seq, old.ts, old.seq) : keepsNewTrait(data.traits, key))
        if (jsonKey(entry.value).length <= MAX_TRAIT_VALUE_CHARS) setOwn(data.traits, key, entry)
    }
    mergeAccumulators(this.compiled.metrics, data.lifetime, theirs.lifetime)
    const from = theirs.buckets
    for (const metric of this.compiled.metrics) {
      const { id } = metric
      const group = from.groupOf(id)
      if (group === -1) continue
      data.buckets.list(id)
      for (let at = from.groupStart(group); at < from.groupEnd(group); at++) {
        const index = from.indices[at]!
        const acc = from.accumulators[at]!
        const target = data.buckets.get(id, index)
        if (target) metric.aggregator.merge(target, acc)
        else data.buckets.insert(id, index, acc)
      }
    }
    data.sessions = mergeSessions(
      data.sessions,
      theirs.sessions,
      this.compiled.timeout,
      this.joinSessions,
    )
    if (theirs.pending)
      for (const entry of theirs.pending) insertPending((data.pending ??= []), entry)
    for (const entry of theirs.pages) insertPage(data.pages, entry)
    this.visitCache = undefined
    for (const visit of trimPages(data.pages, this.compiled.timeout)) this.finalize(visit)
  }
}

/** The errors tags threw, each as its message in words (the catalog's tag health shows them). */
function inWords(errors: Record<string, unknown>): Record<string, string> {
  const words: Record<string, string> = {}
  for (const id in errors) words[id] = failureMessage(errors[id])
  return words
}
