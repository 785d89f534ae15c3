import type { ExportMessage } from './message.ts'

/**
 * The positions of the tag changes in `messages` whose write to the D1 tag index a later change
 * of the same profile and tag in `messages` makes moot: the index keeps one row per profile and
 * tag, and the latest change (by `at`, then by position) decides it whatever came before, since
 * an earlier one is never applied over it (`changeStatements`: the log's newer change blocks it,
 * and an upsert never overwrites a newer `updated_at`). Their index writes are left out; every
 * change is still logged. A session often changes a tag several times within one queue batch,
 * and each index write costs three to five D1 rows written (the row and its two indexes).
 */
export function supersededChanges(messages: readonly ExportMessage[]): Set<number> {
  const latest = new Map<string, { position: number; at: number }>()
  const superseded = new Set<number>()
  messages.forEach((message, position) => {
    if (message.type !== 'tag.changed') return
    const { profile, tag, at } = message.change
    const key = JSON.stringify([profile, tag])
    const before = latest.get(key)
    if (before && before.at > at) return void superseded.add(position)
    if (before) superseded.add(before.position)
    latest.set(key, { position, at })
  })
  return superseded
}
