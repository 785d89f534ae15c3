import { AGGREGATIONS, FIELD_AGGREGATIONS } from '../document/document.ts'
import { EVENT_TYPES, describe } from '../document/event.ts'
import { isObject } from '../document/json.ts'
import { DOCUMENT_LIMITS } from '../document/limits.ts'
import { validateLogic } from '../edge/logic.ts'
import { join, type Problems } from './problems.ts'
import { didYouMean } from './suggest.ts'
import { parseWindow } from '../metric/window.ts'

export const ID = /^[a-z][a-z0-9_]{0,63}$/
const METRIC_KEYS = ['events', 'agg', 'field', 'window', 'description']
const EVENTS_KEYS = ['type', 'event', 'path', 'where']
const FIELD = /^[^.]+(\.[^.]+)*$/

/** Validates `metrics`; returns the valid metric definitions by id (window kind is what analysis needs). */
export function checkMetrics(
  metrics: unknown,
  problems: Problems,
): Record<string, { window: string; agg: string }> {
  const valid: Record<string, { window: string; agg: string }> = {}
  if (!isObject(metrics)) {
    problems.add('metrics', `expected an object of metrics by id (got ${describe(metrics)})`)
    return valid
  }
  const ids = Object.keys(metrics)
  if (ids.length > DOCUMENT_LIMITS.metrics)
    problems.add('metrics', `too many metrics: ${ids.length} (at most ${DOCUMENT_LIMITS.metrics})`)
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
