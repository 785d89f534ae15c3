import type { MetricDef } from '../document/document.ts'
import { eventPath, type ParsedEvent } from '../document/event.ts'
import type { Features } from '../features.ts'
import type { Evaluate } from '../logic/operation.ts'
import { lookup, truthy } from '../logic/values.ts'

/** Which events feed a metric, and what it reads from them. */
export interface MetricMatcher {
  id: string
  /** `dwell`/`dwell_max`: fed by visits, not by single events. */
  dwell: boolean
  /** Does this event feed the metric? For dwell metrics: is it a page/screen event that starts a visit that counts? */
  matches(event: ParsedEvent): boolean
  /** The `field` value of an event (`undefined` when missing or no field). */
  field(event: ParsedEvent): unknown
  /** Whether an event of this type and name could match (the cheap part of {@link matches}). */
  accepts(type: string, name: unknown): boolean
}

/** Reads a dotted path through own properties only (no prototype keys such as `__proto__`). */
export function compilePath(path: string): (value: unknown) => unknown {
  const parts = path.split('.')
  return (value) => lookup(value, parts)
}

const asList = (value: string | string[] | undefined): Set<string> | undefined =>
  value === undefined ? undefined : new Set(Array.isArray(value) ? value : [value])

/** Most distinct (type, event name) pairs whose candidate metrics are remembered. */
const ROUTES = 1024

/**
 * The metrics an event of a given type and name could feed, so ingesting an event only tests those
 * (an `Order Completed` does not try every page metric). Remembered per (type, name) pair, up to
 * {@link ROUTES} pairs; past that, computed each time.
 */
export function metricRouter<Metric extends Pick<MetricMatcher, 'accepts'>>(
  metrics: Metric[],
): (type: string, name: unknown) => Metric[] {
  // By type, then by name (`undefined` for any name that is not a string): two lookups of strings
  // the event holds, where one lookup of `type\0name` built and hashed a new string per event.
  const routes = new Map<string, Map<string | undefined, Metric[]>>()
  let size = 0
  return (type, name) => {
    const key = typeof name === 'string' ? name : undefined
    let byName = routes.get(type)
    let list = byName?.get(key)
    if (list === undefined) {
      list = metrics.filter((m) => m.accepts(type, name))
      if (size < ROUTES) {
        if (byName === undefined) routes.set(type, (byName = new Map()))
        byName.set(key, list)
        size++
      }
    }
    return list
  }
}

/**
 * Compiles the event matching of a metric definition that passed validation (`where` with
 * `compile`, `events.path` with `compileGlob`).
 */
export function matchMetric(
  id: string,
  def: MetricDef,
  compile: (rule: unknown) => Evaluate,
  compileGlob: Features['compileGlob'],
): MetricMatcher {
  const dwell = def.agg === 'dwell' || def.agg === 'dwell_max'
  const events = def.events ?? {}
  // `event` implies `type: "track"`; dwell metrics ignore type and event (visits start on page/screen).
  const types = asList(events.type)
  const names = asList(events.event)
  const path = events.path === undefined ? undefined : compileGlob(events.path)
  const where = events.where === undefined ? undefined : compile(events.where)
  const readField = def.field === undefined ? () => undefined : compilePath(def.field)
  const accepts = (type: string, name: unknown) =>
    dwell
      ? type === 'page' || type === 'screen'
      : (types === undefined || types.has(type)) &&
        (names === undefined || (type === 'track' && names.has(name as string)))
  return {
    id,
    dwell,
    accepts,
    matches(event) {
      const raw = event.raw
      if (!accepts(raw.type, raw.event)) return false
      if (path !== undefined) {
        const p = eventPath(raw)
        if (p === undefined || !path(p)) return false
      }
      if (where !== undefined) {
        try {
          if (!truthy(where(raw))) return false
        } catch {
          return false // a `where` that throws means the event does not match
        }
      }
      return true
    },
    field: (event) => readField(event.raw),
  }
}
