/**
 * Loads web-vitals lazily (`vitals-chunk.ts`, its own chunk; nothing waits for it). The object it
 * returns holds the latest value of each metric, so `Page Left` can carry `lcp_ms`, `inp_ms`, `cls`
 * and `ttfb_ms` whenever it is sent.
 */
export function captureVitals(): Record<string, number> {
  const values: Record<string, number> = {}
  import('./vitals-chunk.ts')
    .then(({ watch }) => watch((name, value) => (values[name] = value)))
    .catch(() => undefined)
  return values
}
