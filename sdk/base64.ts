const DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

/**
 * Base64 of a Latin-1 string, like `btoa` (which mini-program runtimes do not have). Characters
 * above U+00FF keep their low byte; write keys are ASCII.
 */
export function base64(text: string): string {
  let out = ''
  for (let i = 0; i < text.length; i += 3) {
    const [a, b, c] = [0, 1, 2].map((j) => text.charCodeAt(i + j) & 255) as [number, number, number]
    const n = (a << 16) | ((i + 1 < text.length ? b : 0) << 8) | (i + 2 < text.length ? c : 0)
    out += DIGITS[n >> 18]! + DIGITS[(n >> 12) & 63]!
    out += i + 1 < text.length ? DIGITS[(n >> 6) & 63]! : '='
    out += i + 2 < text.length ? DIGITS[n & 63]! : '='
  }
  return out
}
