/** Any JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

/** A JSON object. */
export type JsonObject = { [key: string]: Json }

/** True for plain objects (not arrays, not null). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Whether `key` is an own property of `target`: a key like `constructor` never reaches a prototype. */
export const hasOwn = (target: object, key: string): boolean =>
  Object.prototype.hasOwnProperty.call(target, key)

/** The value of own property `key`, else `undefined`. */
export const own = <T>(target: Readonly<Record<string, T>>, key: string): T | undefined =>
  hasOwn(target, key) ? target[key] : undefined

/** A deep copy of a JSON value (later changes to either do not touch the other). */
export const cloneJson = <T>(value: T): T => JSON.parse(JSON.stringify(value))

/**
 * Numeric per the spec's Numbers rule: a finite number, or a string in JSON number syntax whose value
 * is finite. Returns the number, or `undefined` when the value is not numeric.
 */
export function toNumeric(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined
  if (typeof value === 'string' && JSON_NUMBER.test(value)) {
    const n = Number(value)
    return Number.isFinite(n) ? n : undefined
  }
  return undefined
}

// JSON number syntax; anchored and free of nested quantifiers, so it runs in linear time.
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/
