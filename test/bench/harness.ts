// Small helpers shared by the benchmarks: medians, number formatting and aligned tables.

/** `gc()` when Node runs with `--expose-gc` (as `npm run bench` does), else a no-op. */
export const gc: () => void = (globalThis as { gc?: () => void }).gc ?? (() => undefined)

/**
 * `gc()`, then a pause of 20 ms: V8 sweeps the collected heap concurrently after a full GC, and a
 * batch timed at once pays for that sweeping on a loaded machine (a nextChangeAt ratio measured
 * 1.75–1.9× with the pause, up to 2.5× without, per batch, same code).
 */
export async function settledGc(): Promise<void> {
  gc()
  await new Promise((resolve) => setTimeout(resolve, 20))
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** A number with `digits` significant digits at most, without exponent notation. */
export function fmt(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return String(value)
  const magnitude = Math.floor(Math.log10(Math.abs(value) || 1))
  const decimals = Math.max(0, digits - 1 - magnitude)
  return value.toLocaleString('en-US', {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  })
}

/** Rows as aligned columns: the first column left-aligned, the others right-aligned. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => (row[c] ?? '').length)))
  return rows
    .map((row) =>
      row
        .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}

/** `value` against a target: `≤ 2×` style targets print whether they are met (never an assertion). */
export function verdict(value: number, target: number, direction: 'at most' | 'at least'): string {
  const met = direction === 'at most' ? value <= target : value >= target
  const sign = direction === 'at most' ? '≤' : '≥'
  return `${fmt(value)}×  (target ${sign} ${target}×: ${met ? 'met' : 'MISSED'})`
}
