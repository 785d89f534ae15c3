/** Vitals of the page load, for its first `Page Left`. */
export interface Vitals {
  /** The values measured so far (once: SPA pages after the first have no vitals of their own). */
  take(): Record<string, number>
}

/**
 * Loads web-vitals lazily (`vitals-chunk.ts`, its own chunk; nothing waits for it) and keeps the
 * latest value of each metric, so `Page Left` can carry `lcp_ms`, `inp_ms`, `cls` and `ttfb_ms`
 * whenever it is sent.
 */
export function captureVitals(): Vitals {
  const values: Record<string, number> = {}
  let taken = false
  import('./vitals-chunk.ts')
    .then(({ watch }) =>
      watch((name, value) => {
        if (!taken) values[name] = value
      }),
    )
    .catch(() => undefined)
  return {
    take() {
      if (taken) return {}
      taken = true
      return values
    },
  }
}
