/** The web-vitals functions the SDK uses. */
export interface WebVitals {
  onLCP(report: (metric: { value: number }) => void, options?: { reportAllChanges?: boolean }): void
  onINP(report: (metric: { value: number }) => void, options?: { reportAllChanges?: boolean }): void
  onCLS(report: (metric: { value: number }) => void, options?: { reportAllChanges?: boolean }): void
  onTTFB(
    report: (metric: { value: number }) => void,
    options?: { reportAllChanges?: boolean },
  ): void
}

/** Vitals of the page load, for its first `Page Left`. */
export interface Vitals {
  /** The values measured so far (once: SPA pages after the first have no vitals of their own). */
  take(): Record<string, number>
}

/**
 * Loads web-vitals lazily (its own chunk; nothing waits for it) and keeps the latest value of
 * each metric, so `Page Left` can carry `lcp_ms`, `inp_ms`, `cls` and `ttfb_ms` whenever it is sent.
 */
export function captureVitals(load: () => Promise<WebVitals>): Vitals {
  const values: Record<string, number> = {}
  let taken = false
  const keep =
    (name: string, digits = 0) =>
    ({ value }: { value: number }) => {
      if (!taken) values[name] = Number(value.toFixed(digits))
    }
  load()
    .then((v) => {
      const all = { reportAllChanges: true }
      v.onLCP(keep('lcp_ms'), all)
      v.onINP(keep('inp_ms'), all)
      v.onCLS(keep('cls', 4), all)
      v.onTTFB(keep('ttfb_ms'), all)
    })
    .catch(() => undefined)
  return {
    take() {
      if (taken) return {}
      taken = true
      return values
    },
  }
}
