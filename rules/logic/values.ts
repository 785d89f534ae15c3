// The value rules every JsonLogic operation shares: truthiness, number coercion, loose comparison,
// text conversion and reading a path from the data.
import { hasOwn, toNumeric } from '../document/json.ts'
import { notANumber } from './logic-error.ts'

/**
 * JsonLogic truthiness: `false`, `null`, `0`, `""`, `[]`, `NaN` and `undefined` are falsy; every
 * other value, `"0"` and `{}` included, is truthy.
 *
 * @example
 * truthy([]) // false
 * truthy('0') // true
 */
export function truthy(value: unknown): boolean {
  if (typeof value === 'boolean') return value
  if (Array.isArray(value)) return value.length > 0
  return !!value
}

/**
 * A value as a number for arithmetic and comparisons: numbers as they are, `true`/`false` → 1/0,
 * `null`, `undefined` and `""` → 0, strings in JSON number syntax → their value; anything else
 * (other strings, arrays, objects) → `NaN`.
 */
export function toNumber(value: unknown): number {
  if (typeof value === 'string') return value === '' ? 0 : (toNumeric(value) ?? NaN)
  if (value === null || value === undefined) return 0
  return typeof value === 'number' || typeof value === 'boolean' ? +value : NaN
}

/** `toNumber`, throwing `LogicError('NaN')` (naming `op`) when the value is not a number. */
export function numberFor(op: string, value: unknown): number {
  const n = toNumber(value)
  if (n !== n) throw notANumber(op, value)
  return n
}

export type Comparison = '==' | '!=' | '<' | '<=' | '>' | '>='

/** `x op y` for two strings or two numbers that are not `NaN`. */
function holds<T extends number | string>(op: Comparison, x: T, y: T): boolean {
  switch (op) {
    case '==':
      return x === y
    case '!=':
      return x !== y
    case '<':
      return x < y
    case '<=':
      return x <= y
    case '>':
      return x > y
    case '>=':
      return x >= y
  }
}

/**
 * Loose comparison as the JsonLogic suites define it: two strings compare as strings; two
 * null-ish values are equal; a null-ish value and a string are never equal and order as numbers
 * (without failing); everything else compares as numbers (`null` → 0, booleans → 0/1), and a value
 * that is not a number (an array, an object, a non-numeric string) throws `LogicError('NaN')`.
 */
export function compare(op: Comparison, a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string') return holds(op, a, b)
  if ((a == null && typeof b === 'string') || (typeof a === 'string' && b == null)) {
    if (op === '==' || op === '!=') return op === '!='
    const x = toNumber(a)
    const y = toNumber(b)
    return x === x && y === y && holds(op, x, y)
  }
  return holds(op, numberFor(op, a), numberFor(op, b))
}

/**
 * A value as text for `cat`, `in` and `substr`, like JavaScript's `String()` but never calling
 * methods of the data: `null`/`undefined` → `""`, arrays joined with `,`, objects →
 * `[object Object]`.
 */
export function toText(value: unknown): string {
  if (typeof value === 'string') return value
  if (value === null || value === undefined) return ''
  if (Array.isArray(value)) {
    // An array inside itself is `""` there, as in `String()`.
    if (inProgress.has(value)) return ''
    inProgress.add(value)
    try {
      return value.map(toText).join(',')
    } finally {
      inProgress.delete(value)
    }
  }
  if (typeof value === 'object') return '[object Object]'
  return String(value)
}

/** The arrays `toText` is converting. */
const inProgress = new Set<unknown>()

/** Splits a `var` path into property names; `null`/`""`/`undefined` → `[]` (the data itself). */
export function pathSegments(path: unknown): string[] | undefined {
  if (path === null || path === undefined || path === '') return []
  if (typeof path === 'string' || typeof path === 'number' || typeof path === 'boolean') {
    return String(path).split('.')
  }
  return undefined
}

/**
 * The value at `segments` in `data`, reading only own properties of objects and arrays
 * (`constructor` or `__proto__` never reach a prototype); `undefined` when absent.
 */
export function lookup(data: unknown, segments: readonly string[]): unknown {
  let value = data
  for (const segment of segments) {
    if (typeof value !== 'object' || value === null || !hasOwn(value, segment)) return undefined
    value = (value as Record<string, unknown>)[segment]
  }
  return value
}

/** The value at a `var` path in `data` (see {@link pathSegments}, {@link lookup}), if any. */
export function valueAt(data: unknown, path: unknown): unknown {
  const segments = pathSegments(path)
  return segments && lookup(data, segments)
}
