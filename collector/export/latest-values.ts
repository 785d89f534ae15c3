import { jsonListGroups } from '../d1-json-lists.ts'
import type { ExportMessage } from './message.ts'

/** The key of a profile's tag in {@link latestValues}. */
export const tagKey = (profile: string, tag: string): string => `${profile}\n${tag}`

/**
 * The latest logged value of every tag `messages` change, by time (the change log, D1
 * `tag_changes`, which the consumer wrote for these very messages before delivering them; `null`
 * for a removed tag), keyed by {@link tagKey}. Retries reorder a profile's changes across queue
 * batches, and a Segment-compatible receiver keeps the last trait it was sent: sending a change's
 * own value set the trait back when an older change came late, until the tag changed again. A tag
 * the log no longer holds (trimmed) is left out: its change's own value goes.
 */
export async function latestValues(
  db: D1Database,
  messages: readonly ExportMessage[],
): Promise<Map<string, unknown>> {
  const pairs = new Map<string, [string, string]>()
  for (const message of messages)
    if (message.type === 'tag.changed') {
      const { profile, tag } = message.change
      pairs.set(tagKey(profile, tag), [profile, tag])
    }
  const latest = new Map<string, unknown>()
  if (!pairs.size) return latest
  const statements = jsonListGroups([...pairs.values()]).map((group) =>
    db
      .prepare(
        // The latest change of each pair by time, ties by log order: one seek in the log's
        // (profile, tag, at, id) index each.
        `SELECT c.profile, c.tag, c.to_value FROM json_each(?1) AS p
         JOIN tag_changes AS c ON c.seq = (
           SELECT d.seq FROM tag_changes AS d
           WHERE d.profile = p.value ->> 0 AND d.tag = p.value ->> 1
           ORDER BY d.at DESC, d.seq DESC LIMIT 1)`,
      )
      .bind(JSON.stringify(group)),
  )
  for (const { results } of await db.batch<{
    profile: string
    tag: string
    to_value: string | null
  }>(statements))
    for (const row of results)
      latest.set(
        tagKey(row.profile, row.tag),
        row.to_value === null ? null : JSON.parse(row.to_value),
      )
  return latest
}
