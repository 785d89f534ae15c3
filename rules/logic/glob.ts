// Path globs, as the edge matches them: `*` matches within one path segment, `**` across segments, `?` one character other
// than `/`. Matching simulates the pattern's automaton over the text (a set of live pattern
// positions per character), so it takes O(text × pattern) time and never backtracks. Devices
// match with compact-glob.ts: the same answers in fewer bytes.
import { globCache } from './glob-cache.ts'

/** Token codes: a literal character is its UTF-16 code unit (≥ 0); wildcards are negative. */
const ONE = -1
const STAR = -2
const GLOBSTAR = -3
const SLASH = 47

/**
 * The pattern's tokens, ending with `NaN` (read past the last character): the end position then
 * has a token that matches nothing and is no wildcard, so no step needs a bounds check.
 */
function tokenize(pattern: string): number[] {
  const tokens: number[] = []
  for (let i = 0; i <= pattern.length; i++) {
    const code = pattern.charCodeAt(i)
    if (code === 42 /* * */) {
      let end = i + 1
      while (pattern.charCodeAt(end) === 42) end++
      tokens.push(end - i > 1 ? GLOBSTAR : STAR)
      i = end - 1
    } else tokens.push(code === 63 /* ? */ ? ONE : code)
  }
  return tokens
}

/** The general matcher: a breadth-first walk over the pattern positions that are still alive. */
function automaton(pattern: string): (text: string) => boolean {
  const tokens = tokenize(pattern)
  const end = tokens.length - 1
  let live = new Int32Array(end + 1)
  let next = new Int32Array(end + 1)
  // `stamps[p] === stamp`: position p is live after the current step. Stamps are doubles, so
  // they never wrap around.
  const stamps = new Float64Array(end + 1)
  let stamp = 0
  let size = 0

  // Adds a position and, through wildcards that may match nothing, the positions after it.
  function add(position: number): void {
    for (; stamps[position] !== stamp; position++) {
      stamps[position] = stamp
      next[size++] = position
      if (!(tokens[position]! < ONE)) return
    }
  }

  return function matchGlob(text: string): boolean {
    stamp++
    size = 0
    add(0)
    for (let i = 0; i < text.length && size > 0; i++) {
      const code = text.charCodeAt(i)
      const count = size
      const swap = live
      live = next
      next = swap
      stamp++
      size = 0
      for (let k = 0; k < count; k++) {
        const position = live[k]!
        const token = tokens[position]
        if (token === GLOBSTAR || (token === STAR && code !== SLASH)) add(position)
        else if (token === code || (token === ONE && code !== SLASH)) add(position + 1)
      }
    }
    return stamps[end] === stamp
  }
}

/**
 * Compiles a path glob into a matcher for whole, case-sensitive paths (no escaping): `*` matches
 * zero or more characters other than `/`, `**` zero or more of any characters, `?` exactly one
 * character other than `/`. Matching runs in linear time in the text.
 *
 * @example
 * const isVisa = compileGlob('/visa/**')
 * isVisa('/visa/a/b') // true
 * isVisa('/visa') // false
 */
export function compileGlob(pattern: string): (text: string) => boolean {
  // The shortcuts are speed only: the automaton gives the same answers.
  const tokens = tokenize(pattern)
  const wildcards = tokens.filter((token) => token < 0)
  if (wildcards.length === 0) return (text) => text === pattern
  const prefix = pattern.slice(0, pattern.indexOf('*'))
  const last = tokens[tokens.length - 2]
  if (wildcards.length === 1 && last === GLOBSTAR) return (text) => text.startsWith(prefix)
  if (wildcards.length === 1 && last === STAR) {
    return (text) => text.startsWith(prefix) && text.indexOf('/', prefix.length) < 0
  }
  return automaton(pattern)
}

/**
 * Whether `text` matches the glob `pattern` (see {@link compileGlob}). Compiled patterns are cached
 * (up to 256; the cache starts over when full).
 *
 * @example
 * glob('/checkout/*', '/checkout/pay') // true
 * glob('/checkout/*', '/checkout/pay/2') // false
 */
export const glob: (pattern: string, text: string) => boolean = globCache(compileGlob)
