import type { CheckResult } from './api.ts'
import { AGGREGATIONS, FIELD_AGGREGATIONS, type TagDef } from './document.ts'
import { EVENT_TYPES, describe } from './event.ts'
import { isObject } from './json.ts'
import { validateLogic } from './logic.ts'
import type { Problem } from './problem.ts'
import { analyzeTags, nullableWarnings } from './references.ts'
import { didYouMean } from './suggest.ts'
import { parseWindow } from './window.ts'

/** Limits from the spec (rules.md §2). */
export const LIMITS = { bytes: 1_048_576, metrics: 500, tags: 1000 } as const

const ID = /^[a-z][a-z0-9_]{0,63}$/
const TOP_KEYS = ['version', 'session', 'categories', 'metrics', 'tags']
const METRIC_KEYS = ['events', 'agg', 'field', 'window', 'description']
const EVENTS_KEYS = ['type', 'event', 'path', 'where']
const META_KEYS = ['name', 'description', 'category', 'owner', 'status']
const KIND_KEYS = ['when', 'tiers', 'cases', 'score', 'value']
const STATUSES = ['draft', 'certified', 'deprecated']
const FIELD = /^[^.]+(\.[^.]+)*$/

/** Collects problems; `at(path)` reads like the JSON path of the value it is about. */
class Problems {
  readonly list: Problem[] = []
  add(path: string, message: string) {
    this.list.push({ path, message })
  }
  unknownKeys(path: string, value: Record<string, unknown>, known: string[]) {
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) {
        this.add(
          join(path, key),
          `unknown field "${key}"${didYouMean(key, known)}; allowed: ${known.join(', ')}`,
        )
      }
    }
  }
}

const join = (path: string, key: string | number) =>
  typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key

/**
 * Validates a rules document (an object, or its JSON text) and reports **every** problem at once,
 * each with a JSON path and a plain message; never throws.
 *
 * @example
 * const { ok, problems } = checkRules(fs.readFileSync('rules.json', 'utf8'))
 * for (const p of problems) console.error(`${p.path}: ${p.message}`)
 */
export function checkRules(input: unknown): CheckResult {
  const problems = new Problems()
  const empty = { metrics: 0, tags: 0, deviceTags: 0 }
  let doc = input
  if (typeof input === 'string') {
    if (utf8Length(input) > LIMITS.bytes) {
      problems.add('', `the document is larger than 1 MB (${utf8Length(input)} bytes)`)
      return { ok: false, problems: problems.list, warnings: [], summary: empty }
    }
    try {
      doc = JSON.parse(input)
    } catch (error) {
      problems.add('', `not valid JSON: ${(error as Error).message}`)
      return { ok: false, problems: problems.list, warnings: [], summary: empty }
    }
  } else {
    let text: string | undefined
    try {
      text = JSON.stringify(input)
    } catch {
      text = undefined
    }
    if (text === undefined) problems.add('', 'expected a JSON object (the rules document)')
    else if (utf8Length(text) > LIMITS.bytes)
      problems.add('', `the document is larger than 1 MB (${utf8Length(text)} bytes)`)
    if (problems.list.length)
      return { ok: false, problems: problems.list, warnings: [], summary: empty }
  }
  if (!isObject(doc)) {
    problems.add(
      '',
      `expected a JSON object with "version", "metrics" and "tags" (got ${describe(doc)})`,
    )
    return { ok: false, problems: problems.list, warnings: [], summary: empty }
  }
  problems.unknownKeys('', doc, TOP_KEYS)
  if (doc.version !== 1) problems.add('version', `must be 1 (got ${describe(doc.version)})`)
  checkSession(doc.session, problems)
  checkCategories(doc.categories, problems)
  const metrics = checkMetrics(doc.metrics, problems)
  const tags = isObject(doc.tags) ? doc.tags : {}
  if (!isObject(doc.tags))
    problems.add('tags', `expected an object of tags by id (got ${describe(doc.tags)})`)
  const tagIds = Object.keys(tags)
  if (tagIds.length > LIMITS.tags)
    problems.add('tags', `too many tags: ${tagIds.length} (at most ${LIMITS.tags})`)
  const valid: Record<string, TagDef> = {}
  for (const id of tagIds) {
    if (checkTag(id, tags[id], problems)) valid[id] = tags[id] as TagDef
  }
  const allMetricIds = isObject(doc.metrics) ? Object.keys(doc.metrics) : []
  const analysis = analyzeTags(valid, metrics, problems.list, allMetricIds, tagIds)
  const warnings = problems.list.length ? [] : nullableWarnings(valid, metrics)
  const summary = {
    metrics: Object.keys(metrics).length,
    tags: tagIds.length,
    deviceTags: analysis.filter((t) => t.evaluatedOn === 'device').length,
  }
  return { ok: problems.list.length === 0, problems: problems.list, warnings, summary }
}

function utf8Length(text: string): number {
  let bytes = text.length
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code > 0x7f) bytes += code > 0x7ff ? (code >= 0xd800 && code < 0xdc00 ? 1 : 2) : 1
  }
  return bytes
}

function checkSession(session: unknown, problems: Problems) {
  if (session === undefined) return
  if (!isObject(session))
    return problems.add(
      'session',
      `expected an object like {"timeoutMinutes": 30} (got ${describe(session)})`,
    )
  problems.unknownKeys('session', session, ['timeoutMinutes'])
  const t = session.timeoutMinutes
  if (t !== undefined && !(typeof t === 'number' && Number.isFinite(t) && t > 0 && t <= 1440)) {
    problems.add(
      'session.timeoutMinutes',
      `expected a number of minutes between 0 and 1440 (got ${describe(t)})`,
    )
  }
}

function checkCategories(categories: unknown, problems: Problems) {
  if (categories === undefined) return
  if (!isObject(categories))
    return problems.add(
      'categories',
      `expected an object of category path → display name (got ${describe(categories)})`,
    )
  for (const [key, name] of Object.entries(categories)) {
    if (!isCategoryPath(key))
      problems.add(
        join('categories', key),
        'a category key is a "/"-separated path of non-empty names, like "behavior/realtime"',
      )
    if (typeof name !== 'string')
      problems.add(
        join('categories', key),
        `expected a display name string (got ${describe(name)})`,
      )
  }
}

const isCategoryPath = (value: string) =>
  value.length > 0 && value.split('/').every((s) => s.trim().length > 0)

/** Validates `metrics`; returns the valid metric definitions by id (window kind is what analysis needs). */
function checkMetrics(
  metrics: unknown,
  problems: Problems,
): Record<string, { window: string; agg: string }> {
  const valid: Record<string, { window: string; agg: string }> = {}
  if (!isObject(metrics)) {
    problems.add('metrics', `expected an object of metrics by id (got ${describe(metrics)})`)
    return valid
  }
  const ids = Object.keys(metrics)
  if (ids.length > LIMITS.metrics)
    problems.add('metrics', `too many metrics: ${ids.length} (at most ${LIMITS.metrics})`)
  for (const id of ids) {
    const path = join('metrics', id)
    const def = metrics[id]
    if (!ID.test(id))
      problems.add(
        path,
        `bad metric id "${id}": ids are lowercase letters, digits and _, starting with a letter, at most 64 characters`,
      )
    if (!isObject(def)) {
      problems.add(path, `expected a metric object with "agg" and "window" (got ${describe(def)})`)
      continue
    }
    const before = problems.list.length
    problems.unknownKeys(path, def, METRIC_KEYS)
    checkEvents(def.events, join(path, 'events'), problems)
    const agg = def.agg
    if (typeof agg !== 'string' || !(AGGREGATIONS as readonly string[]).includes(agg)) {
      problems.add(
        join(path, 'agg'),
        `unknown aggregation ${describe(agg)}${typeof agg === 'string' ? didYouMean(agg, AGGREGATIONS) : ''}; expected one of ${AGGREGATIONS.join(', ')}`,
      )
    } else if (FIELD_AGGREGATIONS.has(agg as never)) {
      if (typeof def.field !== 'string' || !FIELD.test(def.field)) {
        problems.add(
          join(path, 'field'),
          `"${agg}" needs "field", a dotted path into the event like "properties.revenue" (got ${describe(def.field)})`,
        )
      }
    } else if (def.field !== undefined) {
      problems.add(join(path, 'field'), `"${agg}" does not read a field; remove "field"`)
    }
    const window = parseWindow(def.window)
    if (typeof window === 'string') problems.add(join(path, 'window'), window)
    if (def.description !== undefined && typeof def.description !== 'string')
      problems.add(
        join(path, 'description'),
        `expected a string (got ${describe(def.description)})`,
      )
    if (problems.list.length === before && ID.test(id))
      valid[id] = { window: def.window as string, agg: agg as string }
  }
  return valid
}

function checkEvents(events: unknown, path: string, problems: Problems) {
  if (events === undefined) return
  if (!isObject(events))
    return problems.add(
      path,
      `expected an object with any of ${EVENTS_KEYS.join(', ')} (got ${describe(events)})`,
    )
  problems.unknownKeys(path, events, EVENTS_KEYS)
  const list = (value: unknown, key: string, check: (v: unknown) => boolean, expected: string) => {
    if (value === undefined) return
    const items = Array.isArray(value) ? value : [value]
    if (items.length === 0 || !items.every(check))
      problems.add(
        join(path, key),
        `expected ${expected} or a non-empty array of them (got ${describe(value)})`,
      )
  }
  list(
    events.type,
    'type',
    (v) => (EVENT_TYPES as readonly unknown[]).includes(v),
    `one of ${EVENT_TYPES.join(', ')}`,
  )
  list(events.event, 'event', (v) => typeof v === 'string' && v.length > 0, 'an event name')
  if (events.path !== undefined && (typeof events.path !== 'string' || events.path.length === 0)) {
    problems.add(
      join(path, 'path'),
      `expected a glob over the page path, like "/checkout/**" (got ${describe(events.path)})`,
    )
  }
  if (events.where !== undefined)
    for (const p of validateLogic(events.where, join(path, 'where'))) problems.list.push(p)
}

/** Validates one tag's shape (not its references); returns whether it can be analyzed further. */
function checkTag(id: string, def: unknown, problems: Problems): boolean {
  const path = join('tags', id)
  if (!ID.test(id))
    problems.add(
      path,
      `bad tag id "${id}": ids are lowercase letters, digits and _, starting with a letter, at most 64 characters`,
    )
  if (!isObject(def)) {
    problems.add(
      path,
      `expected a tag object with one of ${KIND_KEYS.join(', ')} (got ${describe(def)})`,
    )
    return false
  }
  const before = problems.list.length
  const kinds = KIND_KEYS.filter((k) => k in def)
  if (kinds.length !== 1) {
    problems.add(
      path,
      kinds.length === 0
        ? `a tag needs exactly one of ${KIND_KEYS.join(', ')}`
        : `a tag has exactly one kind, but this one has ${kinds.join(' and ')}`,
    )
  }
  const known = [...META_KEYS, ...KIND_KEYS, ...(kinds[0] === 'cases' ? ['else'] : [])]
  problems.unknownKeys(path, def, known)
  for (const key of ['name', 'description', 'owner'] as const) {
    if (def[key] !== undefined && typeof def[key] !== 'string')
      problems.add(join(path, key), `expected a string (got ${describe(def[key])})`)
  }
  if (
    def.category !== undefined &&
    !(typeof def.category === 'string' && isCategoryPath(def.category))
  ) {
    problems.add(
      join(path, 'category'),
      `expected a category path like "behavior/realtime" (got ${describe(def.category)})`,
    )
  }
  if (def.status !== undefined && !STATUSES.includes(def.status as string)) {
    problems.add(
      join(path, 'status'),
      `expected one of ${STATUSES.join(', ')} (got ${describe(def.status)})`,
    )
  }
  const logic = (rule: unknown, at: string) => {
    for (const p of validateLogic(rule, at)) problems.list.push(p)
  }
  if (kinds.length === 1) {
    const kind = kinds[0]!
    const at = join(path, kind)
    const body = def[kind]
    if (kind === 'when' || kind === 'value') logic(body, at)
    if (kind === 'tiers') checkTiers(body, at, problems, logic)
    if (kind === 'cases') checkCases(body, def.else, path, problems, logic)
    if (kind === 'score') checkScore(body, at, problems)
  }
  return problems.list.length === before
}

const isScalar = (v: unknown) => v === null || ['string', 'number', 'boolean'].includes(typeof v)
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)

function checkTiers(
  body: unknown,
  at: string,
  problems: Problems,
  logic: (rule: unknown, at: string) => void,
) {
  if (!isObject(body))
    return problems.add(
      at,
      `expected {"of": JsonLogic, "cuts": [numbers], "labels": [...]} (got ${describe(body)})`,
    )
  problems.unknownKeys(at, body, ['of', 'cuts', 'labels'])
  if (!('of' in body))
    problems.add(join(at, 'of'), 'missing: the JsonLogic expression whose number is tiered')
  else logic(body.of, join(at, 'of'))
  const { cuts, labels } = body
  if (!Array.isArray(cuts) || cuts.length === 0 || !cuts.every(isFiniteNumber)) {
    return problems.add(
      join(at, 'cuts'),
      `expected a non-empty array of numbers (got ${describe(cuts)})`,
    )
  }
  for (let i = 1; i < cuts.length; i++) {
    if (cuts[i]! <= cuts[i - 1]!)
      problems.add(
        join(at, 'cuts'),
        `cuts must be strictly ascending: ${cuts[i]} follows ${cuts[i - 1]}`,
      )
  }
  if (!Array.isArray(labels) || !labels.every(isScalar))
    return problems.add(join(at, 'labels'), `expected an array of labels (got ${describe(labels)})`)
  if (labels.length !== cuts.length + 1) {
    problems.add(
      join(at, 'labels'),
      `${cuts.length} cuts make ${cuts.length + 1} tiers, so labels needs ${cuts.length + 1} entries (got ${labels.length})`,
    )
  }
}

function checkCases(
  body: unknown,
  otherwise: unknown,
  path: string,
  problems: Problems,
  logic: (rule: unknown, at: string) => void,
) {
  const at = join(path, 'cases')
  if (!Array.isArray(body) || body.length === 0)
    return problems.add(
      at,
      `expected a non-empty array of {"when": JsonLogic, "then": value} (got ${describe(body)})`,
    )
  body.forEach((c, i) => {
    const here = join(at, i)
    if (!isObject(c))
      return problems.add(here, `expected {"when": JsonLogic, "then": value} (got ${describe(c)})`)
    problems.unknownKeys(here, c, ['when', 'then'])
    if (!('when' in c)) problems.add(join(here, 'when'), 'missing: the condition of this case')
    else logic(c.when, join(here, 'when'))
    if (!('then' in c) || !isScalar(c.then))
      problems.add(
        join(here, 'then'),
        `expected the tag's value, a JSON scalar (got ${describe(c.then)})`,
      )
  })
  if (otherwise !== undefined && !isScalar(otherwise))
    problems.add(join(path, 'else'), `expected a JSON scalar (got ${describe(otherwise)})`)
}

function checkScore(body: unknown, at: string, problems: Problems) {
  if (!isObject(body))
    return problems.add(
      at,
      `expected {"bias": n, "weights": {"metrics.x": w}, "threshold": p} (got ${describe(body)})`,
    )
  problems.unknownKeys(at, body, ['bias', 'weights', 'threshold'])
  if (body.bias !== undefined && !isFiniteNumber(body.bias))
    problems.add(join(at, 'bias'), `expected a number (got ${describe(body.bias)})`)
  if (
    body.threshold !== undefined &&
    !(isFiniteNumber(body.threshold) && body.threshold >= 0 && body.threshold <= 1)
  ) {
    problems.add(
      join(at, 'threshold'),
      `expected a probability between 0 and 1 (got ${describe(body.threshold)})`,
    )
  }
  if (!isObject(body.weights) || Object.keys(body.weights).length === 0) {
    return problems.add(
      join(at, 'weights'),
      `expected an object of data path → weight, like {"metrics.trips_12m": 0.4} (got ${describe(body.weights)})`,
    )
  }
  for (const [key, weight] of Object.entries(body.weights)) {
    if (!isFiniteNumber(weight))
      problems.add(join(join(at, 'weights'), key), `expected a number (got ${describe(weight)})`)
  }
}
