import { createStore, del, get, set, update, type UseStore } from 'idb-keyval'
import type { Store } from '../core/platform.ts'

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
  type Op = (...args: unknown[]) => Promise<unknown>
  const store: Record<string, Op> = {}
  // Each Store method is idb-keyval's function of that name, which takes the store last.
  for (const [name, op] of Object.entries({ get, set, del, update }) as [keyof Store, Op][])
    store[name] = async (...args) => {
      if (idb)
        try {
          return await op(...args, idb)
        } catch {
          idb = undefined
        }
      return (memory[name] as Op)(...args)
    }
  return store as unknown as Store
}
