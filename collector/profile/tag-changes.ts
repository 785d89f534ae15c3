import type { TagValue } from '../../rules/index.ts'

/** A change of one tag; `null` is absent. */
export interface TagChange {
  tag: string
  from: TagValue | null
  to: TagValue | null
}

/** What changed from `before` to `after` (present tags only), in `after`'s order, then removals. */
export function tagChanges(
  before: Record<string, TagValue>,
  after: Record<string, TagValue>,
): TagChange[] {
  const changes: TagChange[] = []
  for (const [tag, to] of Object.entries(after)) {
    const from = Object.hasOwn(before, tag) ? before[tag]! : null
    if (from === null || JSON.stringify(from) !== JSON.stringify(to))
      changes.push({ tag, from, to })
  }
  for (const [tag, from] of Object.entries(before))
    if (!Object.hasOwn(after, tag)) changes.push({ tag, from, to: null })
  return changes
}
