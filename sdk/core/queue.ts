import type { TagwiseEvent } from '../../rules/index.ts'
import type { Store } from './platform.ts'
import { readQueue, type StoredQueue } from './stored-formats.ts'

/** An event the SDK made: counted on the device, then queued until the collector acknowledges it. */
export interface QueuedEvent extends TagwiseEvent {
  messageId: string
  context: Record<string, unknown>
}

/** The persisted send queue: an event leaves it only when acknowledged (or rejected for good). */
export interface Queue {
  readonly _items: QueuedEvent[]
  /** Events dropped because the queue was full, not yet reported to the collector. */
  readonly _dropped: number
  /** Adds an event (ignored when its messageId is queued already); drops the oldest beyond the limit. */
  _push(event: QueuedEvent): void
  /**
   * Removes the events with these messageIds (acknowledged or rejected for good); `reported`
   * dropped events were reported with them.
   */
  _remove(ids: ReadonlySet<string>, reported?: number): void
  /** Resolves when the queue as it is now is persisted. */
  _saved(): Promise<void>
  /** Loads the persisted queue, keeping what was pushed meanwhile. */
  _load(): Promise<void>
  /** Empties the queue and deletes it from storage. */
  _clear(): Promise<void>
}

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
  let dropped = 0
  const save = () => {
    if (!allowed() || dirty) return
    dirty = true
    // Coalesce the writes of one task into one; errors are the store's (it falls back to memory).
    writing = writing.then(() => {
      dirty = false
      if (!allowed()) return
      const removed = gone
      gone = new Set()
      return store.update(key, (stored): StoredQueue => {
        const others = readQueue(stored).items.filter(
          (e) => !ids.has(e.messageId) && !removed.has(e.messageId),
        )
        return { items: [...others, ...items].slice(-max), dropped }
      })
    })
  }
  const queue: Queue = {
    get _items() {
      return items
    },
    get _dropped() {
      return dropped
    },
    _push(event) {
      if (ids.has(event.messageId)) return
      ids.add(event.messageId)
      items.push(event)
      if (items.length > max)
        for (const old of items.splice(0, items.length - max)) {
          ids.delete(old.messageId)
          gone.add(old.messageId)
          dropped++
        }
      save()
    },
    _remove(acked, reported = 0) {
      dropped = Math.max(0, dropped - reported)
      items = items.filter((e) => !acked.has(e.messageId))
      for (const id of acked) {
        ids.delete(id)
        gone.add(id)
      }
      save()
    },
    _saved: () => writing,
    async _load() {
      const stored = readQueue(await store.get(key))
      const fresh = items
      items = []
      ids.clear()
      for (const event of [...stored.items, ...fresh]) queue._push(event)
      dropped += stored.dropped
    },
    async _clear() {
      items = []
      ids.clear()
      gone = new Set()
      dropped = 0
      writing = writing.then(() => store.del(key))
      await writing
    },
  }
  return queue
}
