/** Calls made before the instance is ready, run in order once it is. */
export interface PendingCalls {
  /** Whether `max` calls wait already (a call made now is dropped). */
  full(): boolean
  /** Keeps `call` for later. */
  defer(call: () => void): void
  /** The calls kept so far, in order; none are kept after. */
  take(): (() => void)[]
}

/** Keeps at most `max` calls (the queue's limit: a page that never gets ready cannot grow it). */
export function createPendingCalls(max: number): PendingCalls {
  let calls: (() => void)[] = []
  return {
    full: () => calls.length >= max,
    defer: (call) => void calls.push(call),
    take() {
      const taken = calls
      calls = []
      return taken
    },
  }
}
