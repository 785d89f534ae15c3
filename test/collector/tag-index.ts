// Seeds the D1 tables the read side queries, the way the write path fills them: present tags only,
// `value` as JSON text, `num` when the value is a number.
import { env } from 'cloudflare:test'
import catalog from '../../examples/rules/catalog.json'
import { compileRules, type TagValue } from '../../rules/index.ts'
import { profileStates } from '../support/profile-states.ts'
import { generateEvents } from '../support/events.ts'

export interface IndexedProfile {
  id: string
  tags: Record<string, unknown>
}

/** Empties the tag index and the profile directory. */
export async function clearIndex(): Promise<void> {
  await env.DB.batch([
    env.DB.prepare('DELETE FROM tag_index'),
    env.DB.prepare('DELETE FROM profiles'),
  ])
}

/** Writes each profile's tags (changed at `at`, or per tag by `changedAt`) and, unless told not to, its directory row. */
export async function seedIndex(
  profiles: readonly IndexedProfile[],
  options: {
    directory?: boolean
    at?: number
    changedAt?: (profile: string, tag: string) => number
  } = {},
): Promise<void> {
  const at = options.at ?? Date.now()
  const statements: D1PreparedStatement[] = []
  const insertTag = env.DB.prepare(
    'INSERT OR REPLACE INTO tag_index (profile, tag, value, num, updated_at) VALUES (?, ?, ?, ?, ?)',
  )
  const insertProfile = env.DB.prepare(
    'INSERT OR REPLACE INTO profiles (id, first_seen, last_seen) VALUES (?, ?, ?)',
  )
  for (const { id, tags } of profiles) {
    if (options.directory !== false) statements.push(insertProfile.bind(id, at, at))
    for (const [tag, value] of Object.entries(tags)) {
      if (value === null || value === false || value === undefined) continue
      const num = typeof value === 'number' ? value : null
      statements.push(
        insertTag.bind(id, tag, JSON.stringify(value), num, options.changedAt?.(id, tag) ?? at),
      )
    }
  }
  for (let i = 0; i < statements.length; i += 500) await env.DB.batch(statements.slice(i, i + 500))
}

/**
 * Profiles with the tags the engine gives them (as `tagwise eval` does: identity graph over all
 * events, one state per profile key) for generated visitors at `now`.
 */
export function engineProfiles(visitors: number, seed: number, now: number): IndexedProfile[] {
  const days = 110
  const events = generateEvents({
    seed,
    visitors,
    days,
    start: new Date(now - days * 86_400_000).toISOString(),
  })
  const rules = compileRules(catalog)
  const states = profileStates(rules, events)
  return [...states].map(([id, state]) => ({
    id,
    tags: state.evaluate(now, { nextChangeAt: false }).tags as Record<string, TagValue>,
  }))
}
