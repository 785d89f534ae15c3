/** Levenshtein distance, with an early exit once it exceeds `limit`. */
function distance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    let best = i
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      const value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost)
      current.push(value)
      if (value < best) best = value
    }
    if (best > limit) return limit + 1
    previous = current
  }
  return previous[b.length]!
}

/**
 * ` (did you mean "x"?)` for the closest candidate within a few edits (a third of the word's length,
 * at least 2), or `''`. Prefix matches count too (`coupon_claim` → `coupon_claims_30d`).
 */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const limit = Math.max(2, Math.floor(word.length / 3))
  let best: string | undefined
  let bestDistance = limit + 1
  for (const candidate of candidates) {
    const d =
      candidate.startsWith(word) || word.startsWith(candidate)
        ? Math.min(1, distance(word, candidate, limit))
        : distance(word, candidate, limit)
    if (d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }
  return best === undefined ? '' : ` (did you mean "${best}"?)`
}
