import type { Platform } from './platform.ts'
import type { QueuedEvent } from './queue.ts'
import { readEarlyEvents, type EarlyEvents as Stored } from './stored-formats.ts'

/**
 * Events made before the instance is ready, not counted yet. A page that goes away before it is
 * ready leaves them in the synchronous backup, and the next page takes them as it starts (before
 * it has any of its own) and counts them first, as its own early events.
 */
export interface EarlyEvents {
  add(event: QueuedEvent): void
  /** `event` is being counted: it no longer waits. */
  counted(event: QueuedEvent): void
  /** The page goes away before it is ready: its waiting events go to the backup. */
  leave(): void
  /** Whether this page went away (and came back) with events waiting. */
  left(): boolean
  /** Takes the events pages left in the backup, except those waiting here (counted here anyway). */
  takeLeftovers(): QueuedEvent[]
}

/** The early events of the instance whose backup key is `key`. */
export function createEarlyEvents(backup: Platform['backup'], key: string): EarlyEvents {
  let events: QueuedEvent[] = []
  let left = false
  return {
    add: (event) => void events.push(event),
    counted(event) {
      events = events.filter((waiting) => waiting !== event)
    },
    leave() {
      if (!events.length) return
      backup?.write(key, events satisfies Stored)
      left = true
    },
    left: () => left,
    takeLeftovers() {
      const own = new Set(events.map((event) => event.messageId))
      return readEarlyEvents(backup?.take(key)).filter((event) => !own.has(event.messageId))
    },
  }
}
