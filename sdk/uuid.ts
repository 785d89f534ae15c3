/**
 * A random UUID v4: `crypto.randomUUID` where available (secure contexts), else from
 * `getRandomValues`, else from `Math.random` (mini-programs have no `crypto`).
 */
export function uuid(): string {
  const c = globalThis.crypto
  if (c?.randomUUID) return c.randomUUID()
  const random = c?.getRandomValues ? c.getRandomValues(new Uint8Array(31)) : undefined
  let i = 0
  // Each x or y is 4 random bits; y is the variant (8, 9, a or b), the 4 is the version.
  return 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, (digit) => {
    const bits = (random ? random[i++]! : Math.random() * 16) & 15
    return (digit === 'x' ? bits : (bits & 3) | 8).toString(16)
  })
}
