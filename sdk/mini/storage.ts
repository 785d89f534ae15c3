import type { Platform, Store } from '../core/platform.ts'
import { utf8Bytes } from '../core/utf8-bytes.ts'
import type { SyncStorage } from './host.ts'

type Record_ = Record<string, unknown>
const isRecord = (value: unknown): value is Record_ =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * Without the oldest `count` items of the queue record, which counts them as dropped, and as
 * trimmed: the page that wrote them still holds them, so only a page that loads the record counts
 * them as lost (stored-formats.ts).
 */
const trim = (queue: Record_ & { items: unknown[] }, count: number) => ({
  ...queue,
  items: queue.items.slice(count),
  dropped: (Number(queue.dropped) || 0) + count,
  trimmed: (Number(queue.trimmed) || 0) + count,
})

/**
 * Fits a value into one key of `maxBytes`. The queue record (`{ items, dropped }`) loses its
 * oldest items, which stay queued in memory and are counted as dropped if the app restarts before
 * sending them; any other value that is too large is not written (`undefined`).
 */
function fit(value: unknown, maxBytes: number): unknown {
  const text = JSON.stringify(value) ?? ''
  // Counting bytes only matters when even 3 bytes per character could pass the limit.
  const size = text.length * 3 <= maxBytes ? 0 : utf8Bytes(text)
  if (size <= maxBytes) return value
  if (!isRecord(value) || !Array.isArray(value.items)) return undefined
  let excess = size - maxBytes
  let count = 0
  for (const item of value.items) {
    if (excess <= 0) break
    excess -= utf8Bytes(JSON.stringify(item) ?? '') + 1
    count++
  }
  return trim(value as Record_ & { items: unknown[] }, count)
}

/**
 * The {@link Store} over a runtime's synchronous storage, whose keys hold at most `maxKeyBytes`
 * (WeChat and Douyin: 1 MB, Alipay: 200 KB; 10 MB in all). tagwise stores only objects, so
 * anything else under its keys (a missing key, which runtimes read as `''` or `null`, or data
 * another version or the app wrote) reads as missing. Writes never throw: a value past the
 * per-key limit is trimmed or skipped, and when the runtime still refuses (10 MB in all), the
 * queue is halved until it fits.
 */
export function miniStore(
  storage: SyncStorage,
  maxKeyBytes: number,
  log: (...args: unknown[]) => void,
): Store {
  const read = (key: string) => {
    try {
      const value = storage.get(key)
      return isRecord(value) ? value : undefined
    } catch (error) {
      log('storage not read', key, error)
      return undefined
    }
  }
  const write = (key: string, value: unknown) => {
    let data = fit(value, maxKeyBytes)
    while (data !== undefined)
      try {
        storage.set(key, data)
        return
      } catch (error) {
        log('storage not written', key, error)
        const items = isRecord(data) && Array.isArray(data.items) ? data.items : []
        data = items.length
          ? trim(data as Record_ & { items: unknown[] }, Math.ceil(items.length / 2))
          : undefined
      }
  }
  return {
    get: async <T>(key: string) => read(key) as T | undefined,
    set: async (key, value) => write(key, value),
    del: async (key) => {
      try {
        storage.remove(key)
      } catch (error) {
        log('storage not removed', key, error)
      }
    },
    update: async <T>(key: string, fn: (old: T | undefined) => T) =>
      write(key, fn(read(key) as T | undefined)),
  }
}

/**
 * The platform's synchronous backup over the same storage. The store writes at once already;
 * what the backup adds is a place for the events made before the instance is ready, which are in
 * no store yet (a first launch waits up to 3 s for the rules): an app sent to the background and
 * killed then lost them.
 */
export function miniBackup(
  storage: SyncStorage,
  log: (...args: unknown[]) => void,
): NonNullable<Platform['_backup']> {
  return {
    write(key, value) {
      try {
        storage.set(key, value)
      } catch (error) {
        log('storage not written', key, error)
      }
    },
    take(key) {
      try {
        const value = storage.get(key)
        storage.remove(key)
        return value
      } catch (error) {
        log('storage not read', key, error)
        return undefined
      }
    },
  }
}
