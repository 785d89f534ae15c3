/**
 * What hosts' `setTimeout` returns: a number in browsers and mini-programs; an object in Node, Bun
 * and Deno 2.8+, with `unref` (fake timers' objects may lack it).
 */
type HostTimer = number | { unref?(): void }

/** Lets the process end while `timer` is pending, where the host can. */
function unref(timer: HostTimer): void {
  if (typeof timer === 'object') timer.unref?.()
}

/**
 * `setTimeout` for the SDK's background work (the next batch, a retry, a time-driven tag change).
 * Where the host's timers have `unref` (Node, Bun, Deno 2.8+), the timer does not keep the process
 * alive: a script, a test or server-side rendering that imported the SDK ends when its own work is
 * done, even while the collector is down and a retry is minutes away. Such a host sends what is
 * queued with `await tw.flush()` before it ends (api.ts). Browsers and mini-programs are unchanged.
 */
export function backgroundTimer(run: () => void, ms: number): ReturnType<typeof setTimeout> {
  const timer = setTimeout(run, ms)
  unref(timer)
  return timer
}
