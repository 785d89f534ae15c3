import { createStore, del, get, set, update, type UseStore } from 'idb-keyval'
import type { Store } from '../core/platform.ts'

/** A store in memory only: gone with the page. */
export function memoryStore(): Store {
  const map = new Map<string, unknown>()
  return {
    get: async (key) => map.get(key),
    set: async (key, value) => void map.set(key, value),
    del: async (key) => void map.delete(key),
    update: async (key, fn) => void map.set(key, fn(map.get(key))),
  }
}

/**
 * How long an IndexedDB operation may take before it counts as failed. Some never settle (Safari's
 * IndexedDB after the app was in the background, a database another tab blocks): the SDK's start
 * and every send wait for storage, so one that never answers would hold every event of the page.
 * Generous, since a visitor whose stored identity is not read in time starts as a new one.
 */
const IDB_TIMEOUT_MS = 5000

/** A store whose operations can be held while the page is in the back/forward cache. */
export interface HeldStore extends Store {
  /**
   * `true`: the page goes into the back/forward cache, and operations wait until `false` (it is
   * back). A frozen page runs no JavaScript, so a transaction started as it goes, or still open
   * (a read-then-write between its steps, a write whose success is not delivered yet), would stay
   * open, and Chromium evicts a page whose transaction blocks another page's
   * (`IgnoreEventAndEvict`): the next page of a site with tagwise always opens the database. So
   * open transactions are aborted, and their operations run again once the page is back;
   * meanwhile the synchronous backup keeps what the page has not stored.
   */
  _hold(held: boolean): void
}

/**
 * IndexedDB through idb-keyval (database `tagwise`), falling back to memory for good when
 * IndexedDB is missing, fails (private modes, blocked storage, quota) or does not answer within
 * {@link IDB_TIMEOUT_MS}, so the SDK keeps working.
 */
export function indexedDbStore(): HeldStore {
  const memory = memoryStore()
  /** Resolves when the page is back from the back/forward cache; `undefined` while it is not in it. */
  let back: Promise<void> | undefined
  let release = () => {}
  /** How many times the page went into the back/forward cache. */
  let holds = 0
  /** The transactions that have not ended. */
  const open = new Set<IDBTransaction>()
  let idb: UseStore | undefined
  try {
    if (typeof indexedDB !== 'undefined') {
      const db = createStore('tagwise', 'kv')
      idb = (mode, callback) =>
        db(mode, (store) => {
          const transaction = store.transaction
          const end = () => open.delete(transaction)
          open.add(transaction)
          transaction.addEventListener('complete', end)
          transaction.addEventListener('abort', end)
          return callback(store)
        })
    }
  } catch {
    // IndexedDB exists but throws on use (old Firefox private mode): memory it is.
  }
  /** Runs `operation` on IndexedDB while it works; once it failed, without it (on memory). */
  const withFallback = async <T>(operation: (db: UseStore | undefined) => Promise<T>) => {
    // Not timed while held: a frozen page's timers do not run either.
    if (back) await back
    const since = holds
    let timer: ReturnType<typeof setTimeout> | undefined
    if (idb)
      try {
        return await Promise.race([
          operation(idb),
          new Promise<never>((_, reject) => (timer = setTimeout(reject, IDB_TIMEOUT_MS))),
        ])
      } catch {
        // Aborted (or timed out, its answer held) as the page went into the back/forward cache:
        // again, now that it is back. idb-keyval's `update` never settles once aborted between its
        // read and its write: the deadline ends it.
        if (holds !== since) return withFallback(operation)
        idb = undefined
      } finally {
        clearTimeout(timer)
      }
    return operation(undefined)
  }
  return {
    get: (key) => withFallback((db) => (db ? get(key, db) : memory.get(key))),
    set: (key, value) => withFallback((db) => (db ? set(key, value, db) : memory.set(key, value))),
    del: (key) => withFallback((db) => (db ? del(key, db) : memory.del(key))),
    update: (key, fn) => withFallback((db) => (db ? update(key, fn, db) : memory.update(key, fn))),
    _hold(held) {
      if (!held) return release()
      holds++
      for (const transaction of open)
        try {
          transaction.abort()
        } catch {
          // Committing already: it ends without the page's JavaScript.
        }
      back ??= new Promise((resolve) => {
        release = () => {
          back = undefined
          resolve()
        }
      })
    },
  }
}
