import type { CheckResult } from '../api.ts'
import { DOCUMENT_LIMITS } from '../document/limits.ts'
import { isCategoryPath, join, Problems } from './problems.ts'
import { checkMetrics } from './validate-metric.ts'
import { checkTag } from './validate-tag.ts'
import type { TagDef } from '../document/document.ts'
import { describe } from '../document/event.ts'
import { isObject } from '../document/json.ts'
import { analyzeTags, nullableWarnings } from '../tags/references.ts'

const TOP_KEYS = ['version', 'session', 'categories', 'metrics', 'tags']

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
    if (utf8Length(input) > DOCUMENT_LIMITS.bytes) {
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
    else if (utf8Length(text) > DOCUMENT_LIMITS.bytes)
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
  if (tagIds.length > DOCUMENT_LIMITS.tags)
    problems.add('tags', `too many tags: ${tagIds.length} (at most ${DOCUMENT_LIMITS.tags})`)
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
  // From one second: timestamps count in ms, and a timeout of a few ms (or 5e-324 minutes) cuts
  // every event into its own session, which no one means. Up to a day.
  if (t !== undefined && !(typeof t === 'number' && t >= 1 / 60 && t <= 1440)) {
    problems.add(
      'session.timeoutMinutes',
      `expected a number of minutes from 1 second (1/60) to 1440 (a day) (got ${describe(t)})`,
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
