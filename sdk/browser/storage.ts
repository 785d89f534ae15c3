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

/**
 * IndexedDB through idb-keyval (database `tagwise`), falling back to memory for good when
 * IndexedDB is missing, fails (private modes, blocked storage, quota) or does not answer within
 * {@link IDB_TIMEOUT_MS}, so the SDK keeps working.
 */
export function indexedDbStore(): Store {
  const memory = memoryStore()
  let idb: UseStore | undefined
  try {
    if (typeof indexedDB !== 'undefined') idb = createStore('tagwise', 'kv')
  } catch {
    // IndexedDB exists but throws on use (old Firefox private mode): memory it is.
  }
  /** Runs `operation` on IndexedDB while it works; once it failed, without it (on memory). */
  const withFallback = async <T>(operation: (db: UseStore | undefined) => Promise<T>) => {
    let timer: ReturnType<typeof setTimeout> | undefined
    if (idb)
      try {
        return await Promise.race([
          operation(idb),
          new Promise<never>((_, reject) => (timer = setTimeout(reject, IDB_TIMEOUT_MS))),
        ])
      } catch {
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
  }
}
