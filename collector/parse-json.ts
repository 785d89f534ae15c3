import { fail } from './http-error.ts'

/**
 * Parses a JSON body: `400` with the parser's reason for malformed JSON, or for nesting deeper than
 * `maxDepth` (checked on the text first, in one linear pass, so no deep structure is ever built).
 * `JSON.parse` defines keys such as `__proto__` as plain own properties, so they pollute nothing.
 */
export function parseJson(text: string, maxDepth: number): unknown {
  if (text.trim() === '') throw fail(400, 'empty body: send a JSON object like {"batch": [...]}')
  const tooDeep = nestingOver(text, maxDepth)
  if (tooDeep !== -1)
    throw fail(
      400,
      `JSON nested deeper than ${maxDepth} levels (at character ${tooDeep}): flatten the event`,
    )
  try {
    return JSON.parse(text)
  } catch (error) {
    throw fail(400, `body is not valid JSON: ${(error as Error).message}`)
  }
}

/** The offset where nesting first exceeds `max` (strings skipped), or -1. */
function nestingOver(text: string, max: number): number {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (inString) {
      if (code === 92 /* \ */) i++
      else if (code === 34 /* " */) inString = false
    } else if (code === 34) inString = true
    else if (code === 123 /* { */ || code === 91 /* [ */) {
      if (++depth > max) return i
    } else if (code === 125 /* } */ || code === 93 /* ] */) depth--
  }
  return -1
}
