import type { Acc } from '../aggregate/accumulator.ts'
import type { StateSnapshot } from '../api.ts'
import type { CompiledRules } from './compiled-rules.ts'
import type { Json } from '../document/json.ts'
import type { Session } from './sessions.ts'
import type { PageEntry } from './visits.ts'

/** The JSON data of a state; `snapshot()` is a copy of it. */
export interface Data {
  v: 1
  seq: number
  ids: string[]
  traits: Record<string, [Json, number, number]>
  sessions: Session[]
  life: Record<string, Acc>
  buckets: Record<string, Record<string, Acc>>
  pages: PageEntry[]
  defs: Record<string, string>
}

/** Sets an own property, also for the key `__proto__` (which plain assignment would treat as the prototype). */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__')
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    })
  else target[key] = value
}

export const own = <T>(target: Record<string, T>, key: string): T | undefined =>
  Object.prototype.hasOwnProperty.call(target, key) ? target[key] : undefined

export function emptyData(compiled: CompiledRules): Data {
  const defs: Record<string, string> = {}
  for (const metric of compiled.metrics) defs[metric.id] = metric.fingerprint
  return { v: 1, seq: 0, ids: [], traits: {}, sessions: [], life: {}, buckets: {}, pages: [], defs }
}

/** Reads a snapshot, keeping only data of metrics whose definition is unchanged. */
export function restoreData(compiled: CompiledRules, snapshot: StateSnapshot): Data {
  const raw = JSON.parse(JSON.stringify(snapshot)) as Partial<Data>
  if (raw.v !== 1 || !Array.isArray(raw.sessions) || !Array.isArray(raw.pages)) {
    throw new Error('not a tagwise state snapshot (expected the object returned by snapshot())')
  }
  const data = emptyData(compiled)
  const kept = new Set(
    compiled.metrics.filter((m) => raw.defs?.[m.id] === m.fingerprint).map((m) => m.id),
  )
  const keep = <T>(record: Record<string, T> | undefined) => {
    const out: Record<string, T> = {}
    for (const [id, value] of Object.entries(record ?? {})) if (kept.has(id)) out[id] = value
    return out
  }
  data.seq = raw.seq ?? 0
  data.ids = raw.ids ?? []
  data.traits = raw.traits ?? {}
  data.life = keep(raw.life)
  data.buckets = keep(raw.buckets)
  data.sessions = raw.sessions.map((s) => ({ start: s.start, end: s.end, accs: keep(s.accs) }))
  data.pages = raw.pages.map((p) => ({ ...p, m: p.m.filter((id) => kept.has(id)) }))
  return data
}
