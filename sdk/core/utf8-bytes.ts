/**
 * The UTF-8 bytes of `text`, as limits on request bodies and storage count them (`length` counts
 * UTF-16 units: a CJK character is 1 unit but 3 bytes). Each half of a surrogate pair counts 3, so
 * astral characters (4 bytes) count 6: an upper bound, which is what a limit needs. No
 * `TextEncoder`: mini-program runtimes do not all have it.
 */
export const utf8Bytes = (text: string): number =>
  text.replace(/[^\0-\x7f]/g, (c) => (c < '\u0800' ? '..' : '...')).length
