import type { Store } from '../core/platform.ts'
import { utf8Bytes } from '../core/utf8-bytes.ts'
import type { WxApi } from './types.ts'

/**
 * Bytes one key may hold: the runtime allows 1 MB per key (10 MB in all) and throws past it; this
 * leaves room for the key and the runtime's own wrapping.
 */
export const MAX_KEY_BYTES = 1_000_000

type Record_ = Record<string, unknown>
const isRecord = (value: unknown): value is Record_ =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** Without the oldest `count` items of the queue record, which counts them as dropped. */
const trim = (queue: Record_ & { items: unknown[] }, count: number) => ({
  ...queue,
  items: queue.items.slice(count),
  dropped: (Number(queue.dropped) || 0) + count,
})

/**
 * Fits a value into one key. The queue record (`{ items, dropped }`) loses its oldest items, which
 * stay queued in memory and are counted as dropped if the app restarts before sending them; any
 * other value that is too large is not written (`undefined`).
 */
function fit(value: unknown): unknown {
  const text = JSON.stringify(value) ?? ''
  // Counting bytes only matters when even 3 bytes per character could pass the limit.
  const size = text.length * 3 <= MAX_KEY_BYTES ? 0 : utf8Bytes(text)
  if (size <= MAX_KEY_BYTES) return value
  if (!isRecord(value) || !Array.isArray(value.items)) return undefined
  let excess = size - MAX_KEY_BYTES
  let count = 0
  for (const item of value.items) {
    if (excess <= 0) break
    excess -= utf8Bytes(JSON.stringify(item) ?? '') + 1
    count++
  }
  return trim(value as Record_ & { items: unknown[] }, count)
}

/**
 * The {@link Store} over `wx.getStorageSync/setStorageSync`. tagwise stores only objects, so
 * anything else under its keys (a missing key reads as `''`, or data another version or the app
 * wrote) reads as missing. Writes never throw: a value past the per-key limit is trimmed or
 * skipped, and when the runtime still refuses (10 MB in all), the queue is halved until it fits.
 */
export function wxStore(wx: WxApi, log: (...args: unknown[]) => void): Store {
  const read = (key: string) => {
    try {
      const value = wx.getStorageSync(key)
      return isRecord(value) ? value : undefined
    } catch (error) {
      log('storage not read', key, error)
      return undefined
    }
  }
  const write = (key: string, value: unknown) => {
    let data = fit(value)
    while (data !== undefined)
      try {
        wx.setStorageSync(key, data)
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
        wx.removeStorageSync(key)
      } catch (error) {
        log('storage not removed', key, error)
      }
    },
    update: async <T>(key: string, fn: (old: T | undefined) => T) =>
      write(key, fn(read(key) as T | undefined)),
  }
}
