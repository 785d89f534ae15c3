import type { Platform } from './platform.ts'
import type { QueuedEvent } from './queue.ts'
import { readEarlyEvents, type EarlyEvents as Stored } from './stored-formats.ts'

/**
 * Events made before the instance is ready, not counted yet. A page that goes away before it is
 * ready leaves them in the synchronous backup, and the next page takes them as it starts (before
 * it has any of its own) and counts them first, as its own early events.
 */
export interface EarlyEvents {
  _add(event: QueuedEvent): void
  /** `event` is being counted: it no longer waits. */
  _counted(event: QueuedEvent): void
  /** The page goes away before it is ready: its waiting events go to the backup. */
  _leave(): void
  /** Whether this page went away (and came back) with events waiting. */
  _left(): boolean
  /** Takes the events pages left in the backup, except those waiting here (counted here anyway). */
  _takeLeftovers(): QueuedEvent[]
}

/** The early events of the instance whose backup key is `key`. */
export function createEarlyEvents(backup: Platform['_backup'], key: string): EarlyEvents {
  let events: QueuedEvent[] = []
  let left = false
  return {
    _add: (event) => void events.push(event),
    _counted(event) {
      events = events.filter((waiting) => waiting !== event)
    },
    _leave() {
      if (!events.length) return
      backup?.write(key, events satisfies Stored)
      left = true
    },
    _left: () => left,
    _takeLeftovers() {
      const own = new Set(events.map((event) => event.messageId))
      return readEarlyEvents(backup?.take(key)).filter((event) => !own.has(event.messageId))
    },
  }
}
