// `tagwise eval`'s first pass decides which lines may add an identity link (issue 19): one walk
// over a line's strings instead of a search of the whole line per key. Same decision as the
// searches on every valid JSON line; invalid lines add no link either way (parsing rejects them).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { KnownPair, mayAddLink, mayAddLinkEscaped } from '../../cli/may-add-link.ts'
import { anonymousProfile, IdentityGraph, parseTimestamp, userProfile } from '../../rules/index.ts'
import { isObject } from '../../rules/document/json.ts'

const KEYS = ['userId', 'anonymousId', 'previousId', 'timestamp', 'type', 'traits', 'u\\u0073erId']
const TIMES = ['2026-01-01T00:00:00Z', '2026-01-02T10:00:00.500Z', '2026-01-03T00:00:00+01:00', 'x']
const string = fc.constantFrom('a1', 'a2', 'u1', 'u2', ...KEYS, ...TIMES, 'a"b', 'a\\b', '')
const leaf = fc.oneof(string, fc.integer(), fc.constant(null), fc.boolean())
const value = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie('value'), { maxKeys: 4 }),
  ),
})).value
/** Events of any shape, written compact, indented, or with spaces around colons. */
const validLine = fc
  .tuple(
    fc.dictionary(fc.constantFrom(...KEYS, 'context'), value, { maxKeys: 6 }),
    fc.constantFrom(0, 1, '\t'),
    fc.boolean(),
  )
  .map(([event, indent, spaced]) => {
    const text = JSON.stringify(event, null, indent)
    return spaced ? text.replaceAll('":', '" : ') : text
  })
/** Fragments around the keys, mostly not JSON. */
const piece = fc.oneof(
  fc.constantFrom('"userId"', '"anonymousId"', '"previousId"', '"timestamp"', ':', '"', ','),
  fc.constantFrom('"a1"', '"u1"', `"${TIMES[1]}"`, '{', '}', ' ', '\\', '\\u0041'),
  fc.string({ maxLength: 4 }),
)
const anyLine = fc.oneof(
  validLine,
  fc.array(piece, { maxLength: 14 }).map((pieces) => pieces.join('')),
)

/** A graph that already holds a1 → u1 on 2 January, so some lines are no-ops and some are not. */
function graph(): IdentityGraph {
  const known = new IdentityGraph()
  known.addLink(anonymousProfile('a1'), userProfile('u1'), Date.parse(TIMES[1]!), 5)
  return known
}

const isJson = (line: string) => {
  try {
    JSON.parse(line)
    return true
  } catch {
    return false
  }
}

describe('mayAddLink', () => {
  it('decides as a search per key on every valid JSON line (property)', () => {
    const known = graph()
    fc.assert(
      fc.property(anyLine, fc.integer({ min: 1, max: 9 }), (line, n) => {
        const ours = mayAddLink(line, n, known)
        if (ours !== mayAddLinkEscaped(line, n, known)) expect(isJson(line)).toBe(false)
      }),
      { numRuns: 20_000 },
    )
  })

  it('decides as without the pair known from the line before, over a first pass (property)', () => {
    // Lines of a few pairs, in runs of the same pair, at times that go back and forth, some
    // without a userId and some that do not parse: every line is fed to both graphs as the first
    // pass does (a line that may add a link adds it when it parses).
    const pairLine = fc
      .record({
        anonymousId: fc.constantFrom('a1', 'a2'),
        userId: fc.constantFrom('u1', 'u2', undefined),
        timestamp: fc.constantFrom(...TIMES),
      })
      .map((fields) => JSON.stringify({ type: 'track', event: 'E', ...fields }))
    const line = fc.oneof(pairLine, anyLine)
    const runs = fc.array(fc.tuple(line, fc.integer({ min: 1, max: 4 })), { maxLength: 25 })
    fc.assert(
      fc.property(runs, (lineRuns) => {
        const lines = lineRuns.flatMap(([text, times]) => Array<string>(times).fill(text))
        const [withKnown, without] = [graph(), graph()]
        const known = new KnownPair()
        lines.forEach((text, i) => {
          const n = i + 1
          const decision = mayAddLink(text, n, withKnown, known)
          expect(decision).toBe(mayAddLink(text, n, without))
          if (!decision || !isJson(text)) return
          const event: unknown = JSON.parse(text)
          const ts = isObject(event) ? parseTimestamp(event.timestamp) : undefined
          if (!isObject(event) || ts === undefined) return
          withKnown.addEvent(event, ts, n)
          without.addEvent(event, ts, n)
        })
      }),
      { numRuns: 3_000 },
    )
  })

  it('skips a known link, reads a new one and defers escapes and aliases to the parser', () => {
    const known = graph()
    const line = (fields: object) => JSON.stringify({ type: 'track', ...fields })
    const at = (timestamp: string) => ({ anonymousId: 'a1', userId: 'u1', timestamp })
    expect(mayAddLink(line(at(TIMES[2]!)), 9, known)).toBe(false)
    expect(mayAddLink(line(at(TIMES[0]!)), 9, known)).toBe(true)
    expect(mayAddLink(line({ ...at(TIMES[2]!), userId: 'u2' }), 9, known)).toBe(true)
    expect(mayAddLink(line({ anonymousId: 'a1', timestamp: TIMES[2] }), 9, known)).toBe(false)
    expect(mayAddLink(line({ userId: 'u1', timestamp: TIMES[2] }), 9, known)).toBe(false)
    expect(mayAddLink(line({ ...at(TIMES[2]!), previousId: 'a1' }), 9, known)).toBe(true)
    expect(mayAddLink(line({ ...at(TIMES[2]!), traits: { userId: 'u1' } }), 9, known)).toBe(true)
    expect(mayAddLink(line(at(TIMES[2]!)).replace('u1', 'u\\u0031'), 9, known)).toBe(true)
    expect(mayAddLink('{"userId":"u1","anonymousId":"a1","timestamp":"2026', 9, known)).toBe(true)
  })
})
