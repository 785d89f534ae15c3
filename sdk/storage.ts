import { createStore, del, get, set, update, type UseStore } from 'idb-keyval'
import type { Store } from './platform.ts'

/** A store in memory only: gone with the page. */
export function memoryStore(): Store {
  const map = new Map<string, unknown>()
  return {
    get: async <T>(key: string) => map.get(key) as T | undefined,
    set: async (key, value) => void map.set(key, value),
    del: async (key) => void map.delete(key),
    update: async (key, fn) => void map.set(key, fn(map.get(key) as never)),
  }
}

/**
 * IndexedDB through idb-keyval (database `tagwise`), falling back to memory for good when
 * IndexedDB is missing or fails (private modes, blocked storage, quota), so the SDK keeps working.
 */
export function indexedDbStore(): Store {
  const memory = memoryStore()
  let idb: UseStore | undefined
  try {
    if (typeof indexedDB !== 'undefined') idb = createStore('tagwise', 'kv')
  } catch {
    // IndexedDB exists but throws on use (old Firefox private mode): memory it is.
  }
  const run =
    <A extends unknown[], R>(
      onIdb: (store: UseStore, ...args: A) => Promise<R>,
      onMemory: (...args: A) => Promise<R>,
    ) =>
    async (...args: A): Promise<R> => {
      if (idb)
        try {
          return await onIdb(idb, ...args)
        } catch {
          idb = undefined
        }
      return onMemory(...args)
    }
  return {
    get: run((s, key: string) => get(key, s), memory.get) as Store['get'],
    set: run((s, key: string, value: unknown) => set(key, value, s), memory.set),
    del: run((s, key: string) => del(key, s), memory.del),
    update: run(
      (s, key: string, fn: (old: unknown) => unknown) => update(key, fn, s),
      memory.update,
    ) as Store['update'],
  }
}
