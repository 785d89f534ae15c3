// Edge snapshots of format version 1 (`v: 1`, written by tagwise up to 01748a5): the profile data
// with one-letter keys, which a Durable Object may still hold in SQLite, or another one send with
// an identity merge. Read by migrating them to the current format.
import { decodeAccumulator, type ShortAccumulator } from '../aggregate/accumulator-codec.ts'
import type { Accumulator } from '../aggregate/accumulator.ts'
import type { Json } from '../document/json.ts'
import { FORMAT_VERSION, setOwn, type ProfileJson, type TraitEntry } from './state-data.ts'
import type { PageEntry } from './visits.ts'

type Accumulators = Record<string, ShortAccumulator>

/** A version 1 snapshot, as restore has always read it (only `sessions` and `pages` required). */
export interface SnapshotV1 {
  v: 1
  seq?: number
  ids?: string[]
  /** value, timestamp, input order */
  traits?: Record<string, [Json, number, number]>
  sessions: { start: number; end: number; accs: Accumulators }[]
  life?: Accumulators
  buckets?: Record<string, Accumulators>
  /** ts, input order, kind (0 page, 1 Page Left), path, dwell_ms, dwell metric ids */
  pages: { t: number; q: number; k: 0 | 1; p: string | null; d: number | null; m: string[] }[]
  defs?: Record<string, string>
}

export const isSnapshotV1 = (
  raw: Record<string, unknown>,
): raw is Record<string, Json> & SnapshotV1 =>
  raw.v === 1 && Array.isArray(raw.sessions) && Array.isArray(raw.pages)

const decodeAll = (accs: Accumulators | undefined): Record<string, Accumulator> => {
  const out: Record<string, Accumulator> = {}
  for (const [id, acc] of Object.entries(accs ?? {})) out[id] = decodeAccumulator(acc)
  return out
}

/** The same data in the current format. */
export function fromV1(old: SnapshotV1): ProfileJson {
  const traits: Record<string, TraitEntry> = {}
  for (const [key, [value, ts, seq]] of Object.entries(old.traits ?? {}))
    setOwn(traits, key, { value, ts, seq })
  const buckets: Record<string, Record<string, Accumulator>> = {}
  for (const [id, byIndex] of Object.entries(old.buckets ?? {})) buckets[id] = decodeAll(byIndex)
  return {
    version: FORMAT_VERSION,
    seq: old.seq ?? 0,
    messageIds: old.ids ?? [],
    traits,
    sessions: old.sessions.map((s) => ({
      start: s.start,
      end: s.end,
      accumulators: decodeAll(s.accs),
    })),
    lifetime: decodeAll(old.life),
    buckets,
    pages: old.pages.map((p): PageEntry => ({
      ts: p.t,
      seq: p.q,
      kind: p.k === 0 ? 'page' : 'left',
      path: p.p,
      dwellMs: p.d,
      metrics: p.m,
    })),
    fingerprints: old.defs ?? {},
  }
}
