import type { Tagwise } from './api.ts'

/** An instance that does nothing, returned if creating the real one failed: the page keeps working. */
export function inertTagwise(): Tagwise {
  const none = () => undefined
  const done = Promise.resolve(undefined)
  return {
    page: none,
    track: none,
    identify: none,
    alias: none,
    reset: none,
    tags: () => ({}),
    has: () => false,
    value: none,
    on: () => none,
    explain: () => done,
    queued: () => ({ events: 0, dropped: 0 }),
    user: () => ({ anonymousId: '', sessionId: '' }),
    consent: none,
    flush: () => done,
    ready: done,
  }
}

/**
 * Runs a platform's `start`; if it throws, returns an {@link inertTagwise} (logged with `debug`),
 * so creating an instance never throws into the host page.
 */
export function startOrInert<Options extends { debug?: boolean }>(
  options: Options,
  start: (options: Options) => Tagwise,
): Tagwise {
  try {
    return start(options)
  } catch (error) {
    if (options?.debug) console.debug('[tagwise]', error)
    return inertTagwise()
  }
}
