import type { Store } from './platform.ts'

/** An event waiting for the collector's acknowledgement. */
export type QueuedEvent = { messageId: string } & Record<string, unknown>

/** The persisted send queue: an event leaves it only when acknowledged (or rejected for good). */
export interface Queue {
  readonly items: QueuedEvent[]
  /** Events dropped because the queue was full, not yet reported to the collector. */
  dropped: number
  /** Adds an event (ignored when its messageId is queued already); drops the oldest beyond the limit. */
  push(event: QueuedEvent): void
  /** Removes the events with these messageIds. */
  remove(ids: ReadonlySet<string>): void
  /** Resolves when the queue as it is now is persisted. */
  saved(): Promise<void>
  /** Loads the persisted queue, keeping what was pushed meanwhile. */
  load(): Promise<void>
  /** Empties the queue and deletes it from storage. */
  clear(): Promise<void>
}

type Stored = { items: QueuedEvent[]; dropped: number }

/** The events of a stored queue. Storage a host can write to (mini-programs) may hold anything. */
const eventsOf = (stored: Stored | undefined): QueuedEvent[] =>
  Array.isArray(stored?.items) ? stored.items.filter((e) => typeof e?.messageId === 'string') : []

/**
 * Creates the queue stored under `key`, written only while `allowed()` (consent; otherwise storage
 * is left alone). Tabs of one site share it: each write keeps the stored
 * events of other tabs (all but those this tab holds or removed), and a page that loads adopts
 * them all. An event two tabs send is counted once: the collector deduplicates by messageId.
 */
export function createQueue(store: Store, key: string, max: number, allowed: () => boolean): Queue {
  let items: QueuedEvent[] = []
  const ids = new Set<string>()
  /** Removed here (acknowledged, rejected, dropped) since the last write. */
  let gone = new Set<string>()
  let writing: Promise<void> = Promise.resolve()
  let dirty = false
  const save = () => {
    if (!allowed() || dirty) return
    dirty = true
    // Coalesce the writes of one task into one; errors are the store's (it falls back to memory).
    writing = writing.then(() => {
      dirty = false
      if (!allowed()) return
      const removed = gone
      gone = new Set()
      return store.update<Stored>(key, (stored) => {
        const others = eventsOf(stored).filter(
          (e) => !ids.has(e.messageId) && !removed.has(e.messageId),
        )
        return { items: [...others, ...items].slice(-max), dropped: queue.dropped }
      })
    })
  }
  const queue: Queue = {
    get items() {
      return items
    },
    dropped: 0,
    push(event) {
      if (ids.has(event.messageId)) return
      ids.add(event.messageId)
      items.push(event)
      if (items.length > max)
        for (const old of items.splice(0, items.length - max)) {
          ids.delete(old.messageId)
          gone.add(old.messageId)
          queue.dropped++
        }
      save()
    },
    remove(acked) {
      items = items.filter((e) => !acked.has(e.messageId))
      for (const id of acked) {
        ids.delete(id)
        gone.add(id)
      }
      save()
    },
    saved: () => writing,
    async load() {
      const stored = await store.get<Stored>(key)
      const fresh = items
      items = []
      ids.clear()
      for (const event of [...eventsOf(stored), ...fresh]) queue.push(event)
      queue.dropped += Number(stored?.dropped) || 0
    },
    clear() {
      items = []
      ids.clear()
      gone = new Set()
      queue.dropped = 0
      return (writing = writing.then(() => store.del(key)))
    },
  }
  return queue
}
