import type { RandomBytes } from '../core/uuid.ts'
import type { GetRandomValues } from './host.ts'

/** Secure random bytes fetched at once: 132 ids (31 bytes each) before the next fetch is due. */
const POOL_BYTES = 4096
const ID_BYTES = 31
/** How long the first ids wait for `getRandomValues` at most (it answers within milliseconds). */
const WAIT_MS = 1000

/** Secure random bytes for ids in a mini-program, and when the first of them are there. */
export interface MiniRandom {
  bytes: RandomBytes
  ready: Promise<void>
}

/**
 * Random bytes for ids from the runtime's `getRandomValues` (WeChat base library 2.15.0+, Douyin
 * 2.87.0+), the mini-program's secure random: runtimes have no `crypto`. It answers
 * asynchronously, so bytes are fetched ahead into a pool, refilled when half is used; `ready`
 * resolves once the first bytes are there (or the call failed, or {@link WAIT_MS} passed).
 * Without the API (Alipay, older base libraries), or while the pool is empty (a burst of several
 * hundred events at once), ids come from `Math.random`: documented in the README.
 */
export function miniRandom(
  getRandomValues: GetRandomValues | undefined,
  log: (...args: unknown[]) => void,
): MiniRandom {
  const pool: number[] = []
  let fetching = false
  const fetchBytes = () =>
    new Promise<void>((resolve) => {
      if (fetching || !getRandomValues) return resolve()
      fetching = true
      const done = () => {
        fetching = false
        resolve()
      }
      try {
        getRandomValues({
          length: POOL_BYTES,
          success: ({ randomValues }) => void pool.push(...new Uint8Array(randomValues)),
          fail: (error) => log('no secure random bytes', error),
          complete: done,
        })
      } catch (error) {
        log('no secure random bytes', error)
        done()
      }
    })
  return {
    bytes() {
      if (pool.length < POOL_BYTES / 2) void fetchBytes()
      return pool.length < ID_BYTES ? undefined : pool.splice(0, ID_BYTES)
    },
    ready: Promise.race([
      fetchBytes(),
      new Promise<void>((resolve) => setTimeout(resolve, WAIT_MS)),
    ]),
  }
}
