/** 31 random bytes, one per hex digit of a UUID, or `undefined` when there are none (see uuid). */
export type RandomBytes = () => ArrayLike<number> | undefined

/** `crypto.getRandomValues`: every browser has it, in insecure contexts too (unlike `randomUUID`). */
let randomBytes: RandomBytes = () => globalThis.crypto?.getRandomValues?.(new Uint8Array(31))

/**
 * Where ids take their random bytes from, for hosts without `crypto` (mini-programs: mini/random.ts).
 * One source for the whole app: every instance's ids need the same.
 */
export const useRandomBytes = (source: RandomBytes): void => void (randomBytes = source)

/**
 * A random UUID v4 from secure random bytes, else from `Math.random` (good enough for messageIds,
 * which only need to differ; the ids that name a person are made once the host's secure bytes are
 * there: see `Platform._randomReady`).
 */
export function uuid(): string {
  const random = randomBytes()
  let i = 0
  // Each x or y is 4 random bits; y is the variant (8, 9, a or b), the 4 is the version.
  return 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, (digit) => {
    const bits = (random ? random[i++]! : Math.random() * 16) & 15
    return (digit === 'x' ? bits : (bits & 3) | 8).toString(16)
  })
}
