import type { TagwiseEvent } from '../../rules/index.ts'
import type { Platform, Store } from './platform.ts'
import { readQueue, readUnsavedEvents, type StoredQueue } from './stored-formats.ts'

/** An event the SDK made: counted on the device, then queued until the collector acknowledges it. */
export interface QueuedEvent extends TagwiseEvent {
  messageId: string
  context: Record<string, unknown>
}

/** The persisted send queue: an event leaves it only when acknowledged (or rejected for good). */
export interface Queue {
  readonly _items: QueuedEvent[]
  /**
   * Events dropped because the queue was full and not reported yet, as far as this page knows:
   * its own drops and the stored count it last read (other pages' drops included).
   */
  readonly _dropped: number
  /** Adds an event (ignored when its messageId is queued already); drops the oldest beyond the limit. */
  _push(event: QueuedEvent): void
  /** Removes the events with these messageIds (acknowledged or rejected for good). */
  _remove(ids: ReadonlySet<string>): void
  /**
   * Takes the dropped count out of the queue, this page's and the stored one, for a request to
   * report: no other page reports it meanwhile. Resolves with it (0 without consent).
   */
  _takeDropped(): Promise<number>
  /** A request that reported `count` dropped events was not acknowledged: they count again. */
  _returnDropped(count: number): void
  /** Resolves when the queue as it is now is persisted. */
  _saved(): Promise<void>
  /**
   * The page goes away: its events the store does not have yet go to the synchronous backup, for
   * the next page (a write of a page going away may be cut off, or wait until the page comes back
   * from the back/forward cache, which it may never do).
   */
  _leave(): void
  /** Loads the persisted queue and the events pages left unsaved, keeping what was pushed meanwhile. */
  _load(): Promise<void>
  /** Empties the queue and deletes it from storage. */
  _clear(): Promise<void>
}

/** Where a page leaves its unsaved events as it goes away: the synchronous backup, under `_key`. */
export interface LeftEvents {
  _backup: NonNullable<Platform['_backup']>
  _key: string
}

/**
 * Creates the queue stored under `key`, written only while `allowed()` (consent; otherwise storage
 * is left alone). Tabs of one site share it: each write keeps the stored
 * events of other tabs (all but those this tab holds or removed), and a page that loads adopts
 * them all. An event two tabs send is counted once: the collector deduplicates by messageId.
 *
 * The dropped count cannot be deduplicated that way, so the stored count is the only one: a page
 * adds its drops to it with its next write and takes it out for the request that reports it
 * (putting it back if that request fails), so each dropped event is reported once whatever the
 * tabs and page loads. A page that goes away while its report is in flight does not put it back:
 * the request most likely arrived (small ones outlive the page, `keepalive`), and a count the
 * collector cannot deduplicate is better reported once or not at all than twice.
 */
export function createQueue(
  store: Store,
  key: string,
  max: number,
  allowed: () => boolean,
  left?: LeftEvents,
): Queue {
  let items: QueuedEvent[] = []
  const ids = new Set<string>()
  /** This page's events the store has: read from it, or written by this page. */
  let inStore = new Set<string>()
  /** The events this page left in the backup the last time it went away. */
  let leftHere = new Set<string>()
  /** Removed here (acknowledged, rejected, dropped) since the last write. */
  let gone = new Set<string>()
  let writing: Promise<void> = Promise.resolve()
  let dirty = false
  /** Dropped here, not yet added to the stored count. */
  let unsaved = 0
  /** The stored count as this page last read or wrote it. */
  let stored = 0
  /**
   * Writes this page's events and drops, keeping other pages' events; `take`: takes the dropped
   * count out. Resolves with the count it stored or took. What it added leaves `unsaved` once
   * written (drops may come meanwhile), and is assigned, not added, in the update: the store may
   * run an update twice (it falls back to memory when IndexedDB fails midway).
   */
  const write = (take?: boolean) => {
    const removed = gone
    gone = new Set()
    let added = 0
    let count = 0
    let written = inStore
    return store
      .update(key, (value): StoredQueue => {
        const old = readQueue(value)
        const others = old.items.filter((e) => !ids.has(e.messageId) && !removed.has(e.messageId))
        added = unsaved
        count = old.dropped + added
        stored = take ? 0 : count
        // The oldest go first beyond `max`: other pages' events before any of this page's.
        written = new Set(ids)
        return { items: [...others, ...items].slice(-max), dropped: stored }
      })
      .then(() => {
        unsaved -= added
        inStore = written
        return count
      })
  }
  const save = () => {
    if (!allowed() || dirty) return
    dirty = true
    // Coalesce the writes of one task into one; errors are the store's (it falls back to memory).
    writing = writing.then(() => {
      dirty = false
      if (allowed()) return write().then(() => undefined)
    })
  }
  const queue: Queue = {
    get _items() {
      return items
    },
    get _dropped() {
      return unsaved + stored
    },
    _push(event) {
      if (ids.has(event.messageId)) return
      ids.add(event.messageId)
      items.push(event)
      if (items.length > max)
        for (const old of items.splice(0, items.length - max)) {
          ids.delete(old.messageId)
          gone.add(old.messageId)
          unsaved++
        }
      save()
    },
    _remove(acked) {
      items = items.filter((e) => !acked.has(e.messageId))
      for (const id of acked) {
        ids.delete(id)
        gone.add(id)
      }
      save()
    },
    _saved: () => writing,
    _leave() {
      if (!left || !allowed()) return
      const pending = items.filter((e) => !inStore.has(e.messageId))
      // Other pages' events stay for the next page; this page's from an earlier time it went away
      // are pending again or stored by now.
      const others = readUnsavedEvents(left._backup.take(left._key)).filter(
        (e) => !leftHere.has(e.messageId),
      )
      leftHere = new Set(pending.map((e) => e.messageId))
      const events = [...others, ...pending].slice(-max)
      if (events.length) left._backup.write(left._key, events)
    },
    _takeDropped() {
      // Nothing to take as far as this page knows: other pages take their own drops, and a count
      // left by a page that closed is read with this page's next write.
      if (!allowed() || !(unsaved + stored)) return Promise.resolve(0)
      const taken = writing.then(() => write(true))
      writing = taken.then(() => undefined)
      return taken
    },
    _returnDropped(count) {
      if (!count) return
      unsaved += count
      save()
    },
    async _load() {
      const old = readQueue(await store.get(key))
      // Counted by the pages that left them: queued here (and stored by the write this causes).
      const unstored = left ? readUnsavedEvents(left._backup.take(left._key)) : []
      const fresh = items
      items = []
      ids.clear()
      for (const event of old.items) queue._push(event)
      inStore = new Set(ids)
      for (const event of [...unstored, ...fresh]) queue._push(event)
      stored = old.dropped
      // Events the page that wrote the record held beyond what storage took: lost with it.
      unsaved += old.trimmed
    },
    async _clear() {
      items = []
      ids.clear()
      gone = new Set()
      inStore = new Set()
      unsaved = 0
      stored = 0
      writing = writing.then(() => store.del(key))
      await writing
    },
  }
  return queue
}
