import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { nestingOver } from '../../collector/parse-json.ts'

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
