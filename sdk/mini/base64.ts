const DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

/**
 * Base64 of a Latin-1 string, like `btoa` (which mini-program runtimes do not have). Characters
 * above U+00FF keep their low byte; write keys are ASCII.
 */
export function base64(text: string): string {
  let out = ''
  for (let i = 0; i < text.length; i += 3) {
    // Past the end, `charCodeAt` is NaN, which `& 255` makes 0.
    const n =
      ((text.charCodeAt(i) & 255) << 16) |
      ((text.charCodeAt(i + 1) & 255) << 8) |
      (text.charCodeAt(i + 2) & 255)
    // Four digits per three characters; '=' pads where fewer than three were left.
    for (let j = 0; j < 4; j++) out += j > text.length - i ? '=' : DIGITS[(n >> (18 - 6 * j)) & 63]
  }
  return out
}
