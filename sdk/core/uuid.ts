/**
 * A random UUID v4 from `crypto.getRandomValues` (every browser has it, in insecure contexts too,
 * unlike `randomUUID`), else from `Math.random` (mini-programs have no `crypto`).
 */
export function uuid(): string {
  const random = globalThis.crypto?.getRandomValues?.(new Uint8Array(31))
  let i = 0
  // Each x or y is 4 random bits; y is the variant (8, 9, a or b), the 4 is the version.
  return 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, (digit) => {
    const bits = (random ? random[i++]! : Math.random() * 16) & 15
    return (digit === 'x' ? bits : (bits & 3) | 8).toString(16)
  })
}
