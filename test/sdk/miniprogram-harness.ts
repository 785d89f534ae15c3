import { afterEach, beforeAll, beforeEach, vi } from 'vitest'
import type { FakeRuntime } from './fake-runtime.ts'

/**
 * What every mini-program test file sets up. The device plan and the time search are loaded first:
 * the mini-program files inline these lazy chunks, so their `import()` resolves at once, and
 * loaded here first it does in these tests too, whatever the fake clock. The clock is fake
 * (`setTimeout` and `Date`, from 2025-03-01T10:00:00Z), and each runtime a test registers in
 * `runtimes` is uninstalled after it. `flush` is `tw.flush()` with the clock running (the fake
 * network answers on timers).
 */
export function miniprogramTestClock() {
  const runtimes: FakeRuntime[] = []
  beforeAll(() =>
    Promise.all([
      import('../../rules/device/device-plan.ts'),
      import('../../rules/device/time-chunk.ts'),
    ]),
  )
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    vi.setSystemTime(Date.parse('2025-03-01T10:00:00Z'))
  })
  afterEach(() => {
    for (const rt of runtimes.splice(0)) rt.uninstall()
    vi.useRealTimers()
  })
  const tick = (ms = 100) => vi.advanceTimersByTimeAsync(ms)
  const flush = async (tw: { flush(): Promise<void> }) => {
    const done = tw.flush()
    await tick(500)
    await done
  }
  return { runtimes, tick, flush }
}
