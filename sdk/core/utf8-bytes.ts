/**
 * The UTF-8 bytes of `text`, as limits on request bodies and storage count them (`length` counts
 * UTF-16 units: a CJK character is 1 unit but 3 bytes). Each half of a surrogate pair counts 3, so
 * astral characters (4 bytes) count 6: an upper bound, which is what a limit needs. No
 * `TextEncoder`: mini-program runtimes do not all have it.
 */
export function utf8Bytes(text: string): number {
  let n = text.length
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    n += c >= 0x800 ? 2 : c >= 0x80 ? 1 : 0
  }
  return n
}
