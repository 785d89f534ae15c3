/**
 * Which rows are held out: a seeded shuffle of the row indexes, its first `share` held out. The
 * same seed and row count give the same split, so a fit can be repeated.
 */
export function holdoutSplit(rows: number, share: number, seed: number) {
  const random = mulberry32(seed)
  const order = Array.from({ length: rows }, (_, i) => i)
  for (let i = rows - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[order[i], order[j]] = [order[j]!, order[i]!]
  }
  const held = Math.round(rows * share)
  return {
    holdout: order.slice(0, held).sort((a, b) => a - b),
    train: order.slice(held).sort((a, b) => a - b),
  }
}

/** The mulberry32 generator: floats in [0, 1), the same sequence for a seed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), a | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
