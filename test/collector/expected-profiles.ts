import { env } from 'cloudflare:workers'
import catalog from '../../examples/rules/catalog.json'
import { compileRules, IdentityGraph, type ProfileState } from '../../rules/index.ts'
import { admin } from './helpers.ts'
import { storedIds } from './stored-events.ts'

type Event = Record<string, unknown>

/** A profile as the engine (`tagwise eval`) computes it from the events sent. */
interface Expected {
  state: ProfileState
  messageIds: Set<string>
}

/** What the collector holds at the end, against the engine's answer for the same events. */
export interface StoredFigures {
  profiles: number
  /** Events sent (distinct messageIds). */
  sent: number
  /** Events stored exactly once in the profile the engine puts them in. */
  storedOnce: number
  /** Events sent but in no profile's events. */
  lost: number
  /** Stored rows beyond one per event, or in a profile the engine does not put them in. */
  extra: number
  /** Profiles whose tags and metrics equal the engine's at the same instant. */
  tagsCorrect: number
  mismatches: string[]
}

/**
 * The engine's profiles for `events`, as parity.test.ts computes them: one identity graph over
 * all events (merges included), then one state per profile key.
 */
export function expectedProfiles(events: readonly Event[]): Map<string, Expected> {
  const rules = compileRules(catalog)
  const graph = new IdentityGraph()
  events.forEach((event, n) => graph.addEvent(event, Date.parse(event.timestamp as string), n))
  const profiles = new Map<string, Expected>()
  for (const event of events) {
    const key = graph.profileKeyOf(event)
    let profile = profiles.get(key)
    if (!profile)
      profiles.set(
        key,
        (profile = {
          state: rules.createState({ maxMessageIds: Infinity }),
          messageIds: new Set(),
        }),
      )
    profile.messageIds.add(event.messageId as string)
    if (profile.state.ingest(event).status !== 'counted')
      throw new Error(`the engine did not count ${JSON.stringify(event)}`)
  }
  return profiles
}

interface View {
  profile: string
  tags: Record<string, unknown>
  metrics: Record<string, unknown>
  evaluatedAt: string
}

/**
 * Reads every expected profile from the collector: its stored events (by messageId, straight
 * from its SQLite) and its tags and metrics (the admin view), compared with the engine evaluated
 * at the view's own instant.
 */
export async function compareWithEngine(expected: Map<string, Expected>): Promise<StoredFigures> {
  const figures: StoredFigures = {
    profiles: expected.size,
    sent: 0,
    storedOnce: 0,
    lost: 0,
    extra: 0,
    tagsCorrect: 0,
    mismatches: [],
  }
  for (const [profile, { state, messageIds }] of expected) {
    figures.sent += messageIds.size
    const stored = await storedIds(profile)
    const once = new Set(stored.filter((id) => messageIds.has(id)))
    figures.storedOnce += once.size
    figures.lost += messageIds.size - once.size
    figures.extra += stored.length - once.size
    const response = await admin(`/v1/profiles/${encodeURIComponent(profile)}`)
    if (response.status !== 200) {
      figures.mismatches.push(`${profile}: GET answered ${response.status}`)
      continue
    }
    const view = (await response.json()) as View
    const engine = state.evaluate(Date.parse(view.evaluatedAt))
    if (
      view.profile === profile &&
      JSON.stringify(sorted(view.tags)) === JSON.stringify(sorted(engine.tags)) &&
      JSON.stringify(sorted(view.metrics)) === JSON.stringify(sorted(engine.metrics))
    )
      figures.tagsCorrect++
    else
      figures.mismatches.push(
        `${profile}: edge ${JSON.stringify({ tags: view.tags, metrics: view.metrics })} engine ${JSON.stringify(engine)}`,
      )
  }
  return figures
}

const sorted = (record: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)))

/**
 * Profiles whose D1 tag index differs from the engine's tags now (present tags only, as the index
 * keeps them), each with what differs; `[]` once the export delivered every change.
 */
export async function indexMismatches(expected: Map<string, Expected>): Promise<string[]> {
  const now = Date.now()
  const mismatches: string[] = []
  for (const [profile, { state }] of expected) {
    const rows = await env.DB.prepare('SELECT tag, value FROM tag_index WHERE profile = ?')
      .bind(profile)
      .all<{ tag: string; value: string }>()
    const indexed = sorted(
      Object.fromEntries(rows.results.map((r) => [r.tag, JSON.parse(r.value)])),
    )
    const tags = state.evaluate(now).tags
    const present = sorted(Object.fromEntries(Object.entries(tags).filter(([, v]) => v !== null)))
    if (JSON.stringify(indexed) !== JSON.stringify(present))
      mismatches.push(
        `${profile}: index ${JSON.stringify(indexed)} engine ${JSON.stringify(present)}`,
      )
  }
  return mismatches
}
