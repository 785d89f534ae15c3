// Reading a `var` path is the hottest step of evaluating tags. V8 keeps its property-access
// caches per function literal, so one reader literal shared by every path sees every property
// name and its reads go megamorphic: a 20-tag benchmark ran about 3× slower that way (46 vs 13
// ns per tag on Node 20). So one- and two-segment paths are spread over 16 identical copies of
// one reader; while a program reads at most 16 such paths, each copy serves one path and its reads
// stay monomorphic (beyond that, copies are shared and get slower, never wrong). Keep the copies
// identical; longer paths use the generic `lookup`.
import type { Evaluate } from './logic-operation.ts'
import { lookup } from './logic-values.ts'

type Obj = Record<string, unknown>
type Reader = (a: string, b: string | undefined) => Evaluate

const proto = Object.getPrototypeOf as (value: object) => unknown
const ROOT = Object.prototype as Obj
const has = Object.prototype.hasOwnProperty

// Each copy reads `a`, then `b` if given, as own properties: a value found on a plain object
// whose prototype has no such property is its own; anything else is checked with hasOwnProperty.
const READERS: Reader[] = [
  (a, b) => (d) => {
    if (typeof d !== 'object' || d === null) return null
    const x = (d as Obj)[a]
    if (x === undefined) return null
    if ((proto(d) !== ROOT || ROOT[a] !== undefined) && !has.call(d, a)) return null
    if (b === undefined || typeof x !== 'object' || x === null) return b === undefined ? x : null
    const y = (x as Obj)[b]
    if (y === undefined) return null
    return (proto(x) === ROOT && ROOT[b] === undefined) || has.call(x, b) ? y : null
  },
  (a, b) => (d) => {
    if (typeof d !== 'object' || d === null) return null
    const x = (d as Obj)[a]
    if (x === undefined) return null
    if ((proto(d) !== ROOT || ROOT[a] !== undefined) && !has.call(d, a)) return null
    if (b === undefined || typeof x !== 'object' || x === null) return b === undefined ? x : null
    const y = (x as Obj)[b]
    if (y === undefined) return null
    return (proto(x) === ROOT && ROOT[b] === undefined) || has.call(x, b) ? y : null
  },
  (a, b) => (d) => {
    if (typeof d !== 'object' || d === null) return null
    const x = (d as Obj)[a]
    if (x === undefined) return null
    if ((proto(d) !== ROOT || ROOT[a] !== undefined) && !has.call(d, a)) return null
    if (b === undefined || typeof x !== 'object' || x === null) return b === undefined ? x : null
    const y = (x as Obj)[b]
    if (y === undefined) return null
    return (proto(x) === ROOT && ROOT[b] === undefined) || has.call(x, b) ? y : null
  },
  (a, b) => (d) => {
    if (typeof d !== 'object' || d === null) return null
    const x = (d as Obj)[a]
    if (x === undefined) return null
    if ((proto(d) !== ROOT || ROOT[a] !== undefined) && !has.call(d, a)) return null
    if (b === undefined || typeof x !== 'object' || x === null) return b === undefined ? x : null
    const y = (x as Obj)[b]
    if (y === undefined) return null
    return (proto(x) === ROOT && ROOT[b] === undefined) || has.call(x, b) ? y : null
  },
  (a, b) => (d) => {
    if (typeof d !== 'object' || d === null) return null
    const x = (d as Obj)[a]
    if (x === undefined) return null
    if ((proto(d) !== ROOT || ROOT[a] !== undefined) && !has.call(d, a)) return null
    if (b === undefined || typeof x !== 'object' || x === null) return b === undefined ? x : null
    const y = (x as Obj)[b]
    if (y === undefined) return null
    return (proto(x) === ROOT && ROOT[b] === undefined) || has.call(x, b) ? y : null
  },
  (a, b) => (d) => {
    if (typeof d !== 'object' || d === null) return null
    const x = (d as Obj)[a]
    if (x === undefined) return null
    if ((proto(d) !== ROOT || ROOT[a] !== undefined) && !has.call(d, a)) return null
    if (b === undefined || typeof x !== 'object' || x === null) return b === undefined ? x : null
    const y = (x as Obj)[b]
    if (y === undefined) return null
    return (proto(x) === ROOT && ROOT[b] === undefined) || has.call(x, b) ? y : null
  },
  (a, b) => (d) => {
    if (typeof d !== 'object' || d === null) return null
    const x = (d as Obj)[a]
    if (x === undefined) return null
    if ((proto(d) !== ROOT || ROOT[a] !== undefined) && !has.call(d, a)) return null
    if (b === undefined || typeof x !== 'object' || x === null) return b === undefined ? x : null
    const y = (x as Obj)[b]
    if (y === undefined) return null
    return (proto(x) === ROOT && ROOT[b] === undefined) || has.call(x, b) ? y : null
  },
  (a, b) => (d) => {
    if (typeof d !== 'object' || d === null) return null
    const x = (d as Obj)[a]
    if (x === undefined) return null
    if ((proto(d) !== ROOT || ROOT[a] !== undefined) && !has.call(d, a)) return null
    if (b === undefined || typeof x !== 'object' || x === null) return b === undefined ? x : null
    const y = (x as Obj)[b]
    if (y === undefined) return null
    return (proto(x) === ROOT && ROOT[b] === undefined) || has.call(x, b) ? y : null
  },
  (a, b) => (d) => {
    if (typeof d !== 'object' || d === null) return null
    const x = (d as Obj)[a]
    if (x === undefined) return null
    if ((proto(d) !== ROOT || ROOT[a] !== undefined) && !has.call(d, a)) return null
    if (b === undefined || typeof x !== 'object' || x === null) return b === undefined ? x : null
    const y = (x as Obj)[b]
    if (y === undefined) return null
    return (proto(x) === ROOT && ROOT[b] === undefined) || has.call(x, b) ? y : null
  },
  (a, b) => (d) => {
    if (typeof d !== 'object' || d === null) return null
    const x = (d as Obj)[a]
    if (x === undefined) return null
    if ((proto(d) !== ROOT || ROOT[a] !== undefined) && !has.call(d, a)) return null
    if (b === undefined || typeof x !== 'object' || x === null) return b === undefined ? x : null
    const y = (x as Obj)[b]
    if (y === undefined) return null
    return (proto(x) === ROOT && ROOT[b] === undefined) || has.call(x, b) ? y : null
  },
  (a, b) => (d) => {
    if (typeof d !== 'object' || d === null) return null
    const x = (d as Obj)[a]
    if (x === undefined) return null
    if ((proto(d) !== ROOT || ROOT[a] !== undefined) && !has.call(d, a)) return null
    if (b === undefined || typeof x !== 'object' || x === null) return b === undefined ? x : null
    const y = (x as Obj)[b]
    if (y === undefined) return null
    return (proto(x) === ROOT && ROOT[b] === undefined) || has.call(x, b) ? y : null
  },
  (a, b) => (d) => {
    if (typeof d !== 'object' || d === null) return null
    const x = (d as Obj)[a]
    if (x === undefined) return null
    if ((proto(d) !== ROOT || ROOT[a] !== undefined) && !has.call(d, a)) return null
    if (b === undefined || typeof x !== 'object' || x === null) return b === undefined ? x : null
    const y = (x as Obj)[b]
    if (y === undefined) return null
    return (proto(x) === ROOT && ROOT[b] === undefined) || has.call(x, b) ? y : null
  },
  (a, b) => (d) => {
    if (typeof d !== 'object' || d === null) return null
    const x = (d as Obj)[a]
    if (x === undefined) return null
    if ((proto(d) !== ROOT || ROOT[a] !== undefined) && !has.call(d, a)) return null
    if (b === undefined || typeof x !== 'object' || x === null) return b === undefined ? x : null
    const y = (x as Obj)[b]
    if (y === undefined) return null
    return (proto(x) === ROOT && ROOT[b] === undefined) || has.call(x, b) ? y : null
  },
  (a, b) => (d) => {
    if (typeof d !== 'object' || d === null) return null
    const x = (d as Obj)[a]
    if (x === undefined) return null
    if ((proto(d) !== ROOT || ROOT[a] !== undefined) && !has.call(d, a)) return null
    if (b === undefined || typeof x !== 'object' || x === null) return b === undefined ? x : null
    const y = (x as Obj)[b]
    if (y === undefined) return null
    return (proto(x) === ROOT && ROOT[b] === undefined) || has.call(x, b) ? y : null
  },
  (a, b) => (d) => {
    if (typeof d !== 'object' || d === null) return null
    const x = (d as Obj)[a]
    if (x === undefined) return null
    if ((proto(d) !== ROOT || ROOT[a] !== undefined) && !has.call(d, a)) return null
    if (b === undefined || typeof x !== 'object' || x === null) return b === undefined ? x : null
    const y = (x as Obj)[b]
    if (y === undefined) return null
    return (proto(x) === ROOT && ROOT[b] === undefined) || has.call(x, b) ? y : null
  },
  (a, b) => (d) => {
    if (typeof d !== 'object' || d === null) return null
    const x = (d as Obj)[a]
    if (x === undefined) return null
    if ((proto(d) !== ROOT || ROOT[a] !== undefined) && !has.call(d, a)) return null
    if (b === undefined || typeof x !== 'object' || x === null) return b === undefined ? x : null
    const y = (x as Obj)[b]
    if (y === undefined) return null
    return (proto(x) === ROOT && ROOT[b] === undefined) || has.call(x, b) ? y : null
  },
]

const slots = new Map<string, number>()

// The first paths get copies in turn; once many paths were seen, a hash (and no more memory).
function slot(path: string): number {
  let index = slots.get(path)
  if (index !== undefined) return index
  if (slots.size >= 4096) {
    let hash = 0
    for (let i = 0; i < path.length; i++) hash = (hash * 31 + path.charCodeAt(i)) | 0
    return (hash >>> 0) % READERS.length
  }
  index = slots.size % READERS.length
  slots.set(path, index)
  return index
}

/** A reader of the value at `segments` (own properties only): the value, or `null` when absent. */
export function pathReader(segments: readonly string[]): Evaluate {
  if (segments.length === 0) return (data) => data ?? null
  if (segments.length > 2) return (data) => lookup(data, segments) ?? null
  const [a, b] = segments as [string, string | undefined]
  return READERS[slot(segments.join('.'))]!(a, b)
}
