/**
 * Loads web-vitals lazily (`vitals-chunk.ts`, its own chunk; nothing waits for it) and returns the
 * object the chunk keeps the latest value of each metric in, so `Page Left` can carry `lcp_ms`,
 * `inp_ms`, `cls` and `ttfb_ms` whenever it is sent.
 */
export function captureVitals(): Record<string, number> {
  const values: Record<string, number> = {}
  import('./vitals-chunk.ts').then(({ watch }) => watch(values)).catch(() => undefined)
  return values
}
