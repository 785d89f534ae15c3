import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  MAX_NUMBER_CHARS,
  nestingOver,
  parseJsonBody,
  scanJson,
} from '../../collector/parse-json.ts'

/** The scan as first written: one character at a time, strings included. */
function nestingOverByCharacter(text: string, max: number): number {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (inString) {
      if (code === 92) i++
      else if (code === 34) inString = false
    } else if (code === 34) inString = true
    else if (code === 123 || code === 91) {
      if (++depth > max) return i
    } else if (code === 125 || code === 93) depth--
  }
  return -1
}

/** Text made of what the scan cares about: brackets, quotes, backslashes, and filler. */
const structural = fc
  .array(fc.constantFrom('{', '}', '[', ']', '"', '\\', '\\"', '\\\\', 'a', ' ', ':', ','), {
    maxLength: 200,
  })
  .map((parts) => parts.join(''))

describe('nestingOver (the JSON depth check before parsing)', () => {
  it('finds the same offset as a character-by-character scan, on any text', () => {
    fc.assert(
      fc.property(structural, fc.integer({ min: 0, max: 6 }), (text, max) => {
        expect(nestingOver(text, max)).toBe(nestingOverByCharacter(text, max))
      }),
      { numRuns: 5000 },
    )
  })

  it('finds the same offset on JSON with escaped quotes and brackets inside strings', () => {
    fc.assert(
      fc.property(fc.json({ depthSize: 'medium' }), fc.integer({ min: 0, max: 8 }), (text, max) => {
        expect(nestingOver(text, max)).toBe(nestingOverByCharacter(text, max))
      }),
      { numRuns: 2000 },
    )
  })

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(nestingOver('{"a":"[[[\\"[[[","b":[1]}', 2)).toBe(-1)
    expect(nestingOver('{"a":"x\\\\","b":[[1]]}', 2)).toBe(16)
    expect(nestingOver('{"never closed: [[[', 1)).toBe(-1)
  })
})

/** Number tokens as clients write them, short ones that serialize long among them. */
const numberToken = fc.oneof(
  fc.constantFrom('0', '-0', '1e20', '1E+20', '9e-7', '1e-7', '1e400', '-1e400', '5e-324', '0.1e1'),
  fc.constantFrom('1.5', '49.5', '123456789012345678901234567890', '0.000001234567890123456'),
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => JSON.stringify(x)),
  fc
    .tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: -330, max: 330 }))
    .map(([digit, exponent]) => `${digit}e${exponent}`),
)

/** String tokens with what JSON.stringify writes otherwise: escapes, surrogates, raw UTF-8. */
const stringToken = fc
  .array(
    fc.oneof(
      fc.constantFrom('a', ' ', 'é', '😀', '\u2028', '\\"', '\\\\', '\\/', '\\n', '\\t', '\\b'),
      fc.constantFrom('\\u0000', '\\u001f', '\\u00e9', '\\ud83d\\ude00', '\\ud800', '\\udfff'),
      fc.constantFrom('\\u0041', '\\u0022', '\\u005c', '\\u2028', '\\uFFFF'),
      fc.string({ maxLength: 4 }).map((text) => JSON.stringify(text).slice(1, -1)),
    ),
    { maxLength: 8 },
  )
  .map((parts) => `"${parts.join('')}"`)

const space = fc.constantFrom('', '', ' ', '\n  ', '\t')

/** JSON text of any shape, written as a client might: spacing, duplicate keys, every escape. */
const { jsonText } = fc.letrec<{ jsonText: string }>((tie) => ({
  jsonText: fc
    .tuple(
      space,
      fc.oneof(
        { depthSize: 'small' },
        numberToken,
        stringToken,
        fc.constantFrom('true', 'false', 'null'),
        fc.array(tie('jsonText'), { maxLength: 5 }).map((items) => `[${items.join(',')}]`),
        fc
          .array(
            fc.tuple(fc.oneof(stringToken, fc.constantFrom('"a"', '"__proto__"')), tie('jsonText')),
            { maxLength: 5 },
          )
          .map((entries) => `{${entries.map(([key, value]) => `${key}:${value}`).join(',')}}`),
      ),
      space,
    )
    .map((parts) => parts.join('')),
}))

const utf8Bytes = (text: string) => new TextEncoder().encode(text).length

/** `value` and every value within it. */
function* within(value: unknown): Generator<unknown> {
  yield value
  if (typeof value === 'object' && value !== null)
    for (const inner of Object.values(value)) yield* within(inner)
}

describe('parseJsonBody (the bound on an event’s JSON size that spares measuring it)', () => {
  it('bounds the UTF-8 size of JSON.stringify of the body and of every value within it', () => {
    fc.assert(
      fc.property(jsonText, (text) => {
        const { value, reserializedBytesAtMost } = parseJsonBody(text, utf8Bytes(text), 40)
        for (const inner of within(value))
          expect(utf8Bytes(JSON.stringify(inner))).toBeLessThanOrEqual(reserializedBytesAtMost)
      }),
      { numRuns: 5000 },
    )
  })

  it('counts at least every number the parser reads, and finds the depth as nestingOver did', () => {
    fc.assert(
      fc.property(jsonText, fc.integer({ min: 0, max: 8 }), (text, max) => {
        const numbers = [...within(JSON.parse(text))].filter((v) => typeof v === 'number')
        expect(scanJson(text, 40).numbers).toBeGreaterThanOrEqual(numbers.length)
        expect(scanJson(text, max).tooDeepAt).toBe(nestingOverByCharacter(text, max))
      }),
      { numRuns: 3000 },
    )
  })

  it('writes no number longer than MAX_NUMBER_CHARS', () => {
    fc.assert(
      fc.property(fc.double(), (x) => {
        expect(JSON.stringify(x).length).toBeLessThanOrEqual(MAX_NUMBER_CHARS)
      }),
      { numRuns: 20000 },
    )
    expect(JSON.stringify(-0.0000012345678901234567)).toHaveLength(MAX_NUMBER_CHARS)
    expect(JSON.stringify(-1.2345678901234567e-300)).toHaveLength(MAX_NUMBER_CHARS - 1)
  })

  it('is exact for a body without numbers, and grows by what a number may add', () => {
    const text = '{"batch":[{"a":"é"}]}'
    expect(parseJsonBody(text, utf8Bytes(text), 4).reserializedBytesAtMost).toBe(utf8Bytes(text))
    const numbers = '[1e20, 2, -0]'
    expect(parseJsonBody(numbers, 13, 4).reserializedBytesAtMost).toBe(13 + 3 * 24)
  })
})
