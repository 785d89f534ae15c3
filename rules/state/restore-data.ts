import type { StateSnapshot } from '../api.ts'
import type { CompiledRules } from './compiled-rules.ts'
import { isObject } from '../document/json.ts'
import { fromV1, isSnapshotV1 } from './snapshot-v1.ts'
import { ProfileBuckets } from './profile-buckets.ts'
import { emptyData, FORMAT_VERSION, type ProfileData, type ProfileJson } from './state-data.ts'

/** What restore reads of a snapshot: as always, only the sessions and the page timeline are required. */
type SnapshotData = Partial<ProfileJson> & Pick<ProfileJson, 'sessions' | 'pages'>

/** A snapshot's data in the current format, as its own copy; throws for what is not a snapshot. */
function read(snapshot: StateSnapshot): SnapshotData {
  const raw: unknown = JSON.parse(JSON.stringify(snapshot))
  if (isObject(raw)) {
    if (isSnapshotV1(raw)) return fromV1(raw)
    const version = raw.version
    if (typeof version === 'number' && version > FORMAT_VERSION)
      throw new Error(
        `a tagwise state snapshot of format version ${version}, newer than this engine reads (${FORMAT_VERSION}): update tagwise`,
      )
    const data = raw as Partial<ProfileJson>
    if (version === FORMAT_VERSION && Array.isArray(data.sessions) && Array.isArray(data.pages))
      return { ...data, sessions: data.sessions, pages: data.pages }
  }
  throw new Error('not a tagwise state snapshot (expected the object returned by snapshot())')
}

/** Reads a snapshot, keeping only data of metrics whose definition is unchanged. */
export function restoreData(compiled: CompiledRules, snapshot: StateSnapshot): ProfileData {
  const raw = read(snapshot)
  const data = emptyData(compiled)
  const kept = new Set(
    compiled.metrics.filter((m) => raw.fingerprints?.[m.id] === m.fingerprint).map((m) => m.id),
  )
  const keep = <T>(record: Record<string, T> | undefined) => {
    const out: Record<string, T> = {}
    for (const [id, value] of Object.entries(record ?? {})) if (kept.has(id)) out[id] = value
    return out
  }
  data.seq = raw.seq ?? 0
  data.messageIds = raw.messageIds ?? []
  data.traits = raw.traits ?? {}
  data.lifetime = keep(raw.lifetime)
  data.buckets = ProfileBuckets.fromJSON(keep(raw.buckets))
  data.sessions = raw.sessions.map((s) => ({
    start: s.start,
    end: s.end,
    accumulators: keep(s.accumulators),
  }))
  data.pages = raw.pages.map((p) => ({ ...p, metrics: p.metrics.filter((id) => kept.has(id)) }))
  // Not counted yet: they count under these rules when due, whatever the snapshot's were.
  if (raw.pending?.length) data.pending = raw.pending
  return data
}
