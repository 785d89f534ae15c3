/** Calls made before the instance is ready, run in order once it is. */
export interface PendingCalls {
  /** Whether `max` calls wait already (a call made now is dropped). */
  _full(): boolean
  /** Keeps `call` for later. */
  _defer(call: () => void): void
  /** The calls kept so far, in order; none are kept after. */
  _take(): (() => void)[]
}

/** Keeps at most `max` calls (the queue's limit: a page that never gets ready cannot grow it). */
export function createPendingCalls(max: number): PendingCalls {
  let calls: (() => void)[] = []
  return {
    _full: () => calls.length >= max,
    _defer: (call) => void calls.push(call),
    _take() {
      const taken = calls
      calls = []
      return taken
    },
  }
}
