// `tagwise eval`'s first pass reads `"key": "value"` from lines without parsing them (issue 19:
// with indexOf instead of a regular expression). Same values as the expression it replaced.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { plainString } from '../../cli/may-add-link.ts'

const AFTER_KEY = /\s*:\s*"([^"]*)"/y

/** The reading before issue 19. */
function byRegExp(line: string, key: string): string | undefined {
  const at = line.indexOf(key)
  if (at === -1 || line.indexOf(key, at + key.length) !== -1) return undefined
  AFTER_KEY.lastIndex = at + key.length
  return AFTER_KEY.exec(line)?.[1]
}

const KEY = '"userId"'
const space = fc.constantFrom('', ' ', '  ', '\t', '\n', '\r', ' \t', '\u00a0', '\u2028', '\ufeff')
const piece = fc.oneof(
  fc.constantFrom(KEY, ':', '"', '"u1"', ',', '{', '}', '"anonymousId"', '\\'),
  space,
  fc.string({ maxLength: 6 }),
)
/** Lines as JSON writes them, with the key once or more, and free-form fragments around it. */
const line = fc.oneof(
  fc
    .tuple(fc.string({ maxLength: 8 }), space, space, fc.string({ maxLength: 8 }))
    .map(
      ([value, before, after, rest]) => `{${KEY}${before}:${after}${JSON.stringify(value)}${rest}`,
    ),
  fc.array(piece, { maxLength: 12 }).map((pieces) => pieces.join('')),
)

describe('plainString', () => {
  it('reads what the regular expression read, or nothing where only non-JSON whitespace made it match (property)', () => {
    fc.assert(
      fc.property(line, (text) => {
        const ours = plainString(text, KEY)
        const theirs = byRegExp(text, KEY)
        if (ours === theirs) return
        // Only the expression's `\s`, wider than JSON's whitespace, may read more; the caller then
        // parses the line, which is never wrong.
        expect(ours).toBeUndefined()
        expect(/[^\S \t\n\r]/.test(text)).toBe(true)
      }),
      { numRuns: 5000 },
    )
  })

  it('reads the value of a key written once', () => {
    expect(plainString('{"userId" : "u1","x":1}', KEY)).toBe('u1')
    expect(plainString('{"userId":"u1","userId":"u2"}', KEY)).toBeUndefined()
    expect(plainString('{"userId":1}', KEY)).toBeUndefined()
    expect(plainString('{"userId":"u1', KEY)).toBeUndefined()
  })
})
