import { fail } from './http-error.ts'

/** A JSON body parsed (`parseJsonBody`), with a bound on what it weighs once serialized again. */
export interface ParsedBody {
  value: unknown
  /**
   * The most UTF-8 bytes `JSON.stringify` writes for `value` or for any value within it: each
   * value's source is a span of the body, and serialized again it is no longer than that span
   * (whitespace and duplicate keys drop, an escape is never shorter than what it writes, and
   * what `JSON.stringify` escapes — quotes, backslashes, control characters, lone surrogates —
   * was escaped as long in the text, which no decoded UTF-8 holds raw) except for its numbers,
   * which `JSON.stringify` writes in its own shortest form: at most `MAX_NUMBER_CHARS` from a
   * token of one character (`1e20` writes 21 digits).
   */
  reserializedBytesAtMost: number
}

/**
 * The longest `JSON.stringify` of a number: 17 significant digits in fixed notation below 1e-6,
 * `-0.0000012345678901234567` (25); the exponent form and large integers are shorter.
 */
export const MAX_NUMBER_CHARS = 25

/**
 * Parses a JSON body: `400` with the parser's reason for malformed JSON, or for nesting deeper than
 * `maxDepth` (checked on the text first, in one linear pass, so no deep structure is ever built).
 * `JSON.parse` defines keys such as `__proto__` as plain own properties, so they pollute nothing.
 */
export function parseJson(text: string, maxDepth: number): unknown {
  return parseJsonBody(text, Infinity, maxDepth).value
}

/**
 * `parseJson` of a body of `bytes` UTF-8 bytes, with `reserializedBytesAtMost` counted in the
 * same pass over the text: ingest measures each event against its size limit by that bound, and
 * serializes an event to measure it only when the bound does not prove it small enough.
 */
export function parseJsonBody(text: string, bytes: number, maxDepth: number): ParsedBody {
  if (text.trim() === '') throw fail(400, 'empty body: send a JSON object like {"batch": [...]}')
  const scan = scanJson(text, maxDepth)
  if (scan.tooDeepAt !== -1)
    throw fail(
      400,
      `JSON nested deeper than ${maxDepth} levels (at character ${scan.tooDeepAt}): flatten the event`,
    )
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw fail(400, `body is not valid JSON: ${(error as Error).message}`)
  }
  return { value, reserializedBytesAtMost: bytes + scan.numbers * (MAX_NUMBER_CHARS - 1) }
}

/** What one pass over a JSON text finds outside its strings. */
export interface JsonScan {
  /** The offset where nesting first exceeds the maximum (strings skipped), or -1. */
  tooDeepAt: number
  /**
   * The number tokens (runs of `0-9 . e E + -` that start with a digit or `-`) before `tooDeepAt`,
   * or in the whole text: at least as many as the numbers `JSON.parse` reads from it.
   */
  numbers: number
}

/** The offset where nesting first exceeds `max` (strings skipped), or -1. */
export const nestingOver = (text: string, max: number): number => scanJson(text, max).tooDeepAt

/**
 * The nesting and number tokens of a JSON text, in one pass. Strings are most of a batch's text:
 * each is skipped with `indexOf` to its closing quote rather than read a character at a time (a
 * third of this scan's cost, and ~4 % of the Worker's CPU per batch, before).
 */
export function scanJson(text: string, max: number): JsonScan {
  let depth = 0
  let numbers = 0
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code === 34 /* " */) i = closingQuote(text, i)
    else if (code === 123 /* { */ || code === 91 /* [ */) {
      if (++depth > max) return { tooDeepAt: i, numbers }
    } else if (code === 125 /* } */ || code === 93 /* ] */) depth--
    else if ((code >= 48 /* 0 */ && code <= 57) /* 9 */ || code === 45 /* - */) {
      numbers++
      // The rest of the token: none of its characters is a quote or a bracket.
      while (i + 1 < text.length && isNumberPart(text.charCodeAt(i + 1))) i++
    }
  }
  return { tooDeepAt: -1, numbers }
}

/** `0-9 . e E + -`: what a JSON number is written with. */
const isNumberPart = (code: number) =>
  (code >= 48 /* 0 */ && code <= 57) /* 9 */ ||
  code === 46 /* . */ ||
  code === 101 /* e */ ||
  code === 69 /* E */ ||
  code === 43 /* + */ ||
  code === 45 /* - */

/**
 * The offset of the quote that closes the string opened at `open`: the next quote not escaped (an
 * odd number of backslashes before it escapes it). `text.length` when the string never closes.
 */
function closingQuote(text: string, open: number): number {
  let quote = text.indexOf('"', open + 1)
  while (quote !== -1) {
    let backslashes = 0
    while (text.charCodeAt(quote - 1 - backslashes) === 92 /* \ */) backslashes++
    if (backslashes % 2 === 0) return quote
    quote = text.indexOf('"', quote + 1)
  }
  return text.length
}
