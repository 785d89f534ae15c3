import { runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { EventStore } from '../../collector/profile/event-store.ts'

/**
 * The messageIds a profile's storage holds, in the order they were stored: read through
 * `EventStore` (as a merge pages them), since a stored batch is one row of `event_batches`.
 */
export function storedIdsIn(sql: SqlStorage): string[] {
  const store = new EventStore(sql)
  const ids: string[] = []
  for (let after: number | null = 0; after !== null;) {
    const page = store.page(after, 1000, 2_000_000)
    ids.push(...page.events.map((event) => event.messageId))
    after = page.next
  }
  return ids
}

/** The messageIds profile `id` stores, in the order they were stored. */
export const storedIds = (id: string): Promise<string[]> =>
  runInDurableObject(env.PROFILES.getByName(id), (_, state) => storedIdsIn(state.storage.sql))

/** How many events profile `id` stores. */
export const storedCount = (id: string): Promise<number> =>
  runInDurableObject(env.PROFILES.getByName(id), (_, state) =>
    new EventStore(state.storage.sql).count(),
  )
