// The JsonLogic operations device tags rarely use: iterating over arrays, text building, `missing`,
// `max`/`min`/`%` and `log`. The edge has them built in (rules/edge/features.ts); a device loads
// them with the other rare features (rules/device/rare.ts) only for a document that uses one.
import { iterator } from './iterate.ts'
import { max, min, modulo } from './math.ts'
import { argumentList, operationTable, type Operations } from './operation.ts'
import { numberFor, toText, valueAt } from './values.ts'

// `slice` already treats a start or a negative length like JsonLogic's `substr` (counted from the
// end, clamped to the text, truncated to an integer).
function substr([source, start, length]: readonly unknown[]): string {
  const rest = toText(source).slice(numberFor('substr', start))
  return length === undefined || length === null ? rest : rest.slice(0, numberFor('substr', length))
}

function merge(values: readonly unknown[]): unknown[] {
  const merged: unknown[] = []
  for (const value of values) {
    if (Array.isArray(value)) for (const item of value) merged.push(item)
    else merged.push(value)
  }
  return merged
}

function missing(keys: readonly unknown[], data: unknown): unknown[] {
  return keys.filter((key) => {
    const value = valueAt(data, key)
    return value === undefined || value === null || value === ''
  })
}

function missingSome([need, keys]: readonly unknown[], data: unknown): unknown[] {
  const list = argumentList(keys)
  const absent = missing(list, data)
  return list.length - absent.length >= numberFor('missing_some', need) ? [] : absent
}

// `console` is not part of the language: a host may not have it (the engine never assumes one).
const logger = (globalThis as { console?: { log(value: unknown): void } }).console

/** The rare operations, by name. */
export const RARE_OPERATIONS: Operations = operationTable({
  missing: {
    eager: (values, data) => missing(Array.isArray(values[0]) ? values[0] : values, data),
  },
  missing_some: { eager: missingSome },
  max: { spread: true, eager: max },
  min: { spread: true, eager: min },
  '%': { spread: true, eager: modulo },
  map: iterator('map'),
  filter: iterator('filter'),
  reduce: iterator('reduce'),
  all: iterator('all'),
  none: iterator('none'),
  some: iterator('some'),
  merge: { eager: merge },
  cat: { eager: (values) => values.map(toText).join('') },
  substr: { eager: substr },
  log: { eager: ([value = null]) => (logger?.log(value), value) },
})
