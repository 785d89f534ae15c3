import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { eventPath, parseEvent, parseTimestamp } from '../../rules/index.ts'

const good = { type: 'track', event: 'X', anonymousId: 'a', timestamp: '2026-01-10T10:00:00Z' }
const errorOf = (value: unknown) => {
  const result = parseEvent(value)
  return result.ok ? undefined : result.error
}

describe('parseEvent', () => {
  it('accepts a good event and parses its timestamp', () => {
    const result = parseEvent(good)
    expect(result.ok && result.event.ts).toBe(Date.parse('2026-01-10T10:00:00Z'))
  })

  it.each([
    [null, /JSON object/],
    [[1], /JSON object/],
    [
      { ...good, type: 'click' },
      /"type" must be one of track, page, screen, identify, alias, group/,
    ],
    [{ ...good, timestamp: undefined }, /"timestamp" is missing/],
    [{ ...good, timestamp: '2026-01-10T10:00:00' }, /time zone/],
    [{ ...good, timestamp: 'yesterday' }, /ISO-8601/],
    [{ ...good, timestamp: 1736503200000 }, /ISO-8601/],
    [{ ...good, anonymousId: undefined }, /"userId" or "anonymousId"/],
    [{ ...good, anonymousId: '' }, /"userId" or "anonymousId"/],
    [{ ...good, event: '' }, /track event needs a non-empty "event"/],
    [{ ...good, type: 'alias', previousId: 'a' }, /alias needs a non-empty "userId"/],
    [{ ...good, type: 'alias', userId: 'u' }, /alias needs a non-empty "previousId"/],
    [{ ...good, properties: [1] }, /"properties" must be an object/],
    [{ ...good, messageId: 7 }, /"messageId" must be a string/],
    [{ ...good, userId: 42 }, /"userId" must be a string \(got 42\)/],
  ])('rejects %j', (value, message) => {
    expect(errorOf(value)).toMatch(message)
  })

  it('accepts the ISO-8601 zone forms', () => {
    expect(parseTimestamp('2026-01-10T12:00:00+02:00')).toBe(Date.parse('2026-01-10T10:00:00Z'))
    expect(parseTimestamp('2026-01-10T12:00:00+0200')).toBe(Date.parse('2026-01-10T10:00:00Z'))
    expect(parseTimestamp('2026-01-10T12:00:00.123456Z')).toBe(
      Date.parse('2026-01-10T12:00:00.123Z'),
    )
    expect(parseTimestamp('2026-02-30T12:00:00Z')).toBeUndefined()
  })

  it('accepts a time without seconds (ISO-8601 reduced precision), as Date.parse does', () => {
    expect(parseTimestamp('2026-01-10T12:00Z')).toBe(Date.parse('2026-01-10T12:00:00Z'))
    expect(parseTimestamp('2026-01-10T12:30+02:00')).toBe(Date.parse('2026-01-10T10:30:00Z'))
    expect(parseTimestamp('2026-01-10T24:00Z')).toBeUndefined()
    expect(parseTimestamp('2026-01-10T12Z')).toBeUndefined()
    fc.assert(
      fc.property(
        fc.integer({ min: Date.parse('0100-01-02T00:00Z'), max: Date.parse('9999-12-30T00:00Z') }),
        fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }),
        (t, offset) => {
          const zone =
            offset === 0
              ? 'Z'
              : `${offset < 0 ? '-' : '+'}${String(Math.floor(Math.abs(offset) / 60)).padStart(2, '0')}:${String(Math.abs(offset) % 60).padStart(2, '0')}`
          const text = new Date(t + offset * 60_000).toISOString().slice(0, 16) + zone
          expect(parseTimestamp(text)).toBe(Date.parse(text))
        },
      ),
    )
  })

  it('takes the path from properties.path, else context.page.path', () => {
    expect(
      eventPath({
        ...good,
        type: 'track',
        properties: { path: '/a' },
        context: { page: { path: '/b' } },
      }),
    ).toBe('/a')
    expect(
      eventPath({
        ...good,
        type: 'page',
        properties: { path: 3 },
        context: { page: { path: '/b' } },
      }),
    ).toBe('/b')
    expect(eventPath({ ...good, type: 'page' })).toBeUndefined()
  })
})

/** `inner` wrapped in `levels` objects (`{"a":…}`) or arrays, built without recursion. */
function nested(levels: number, inner: unknown, as: 'objects' | 'arrays' = 'objects'): unknown {
  let value = inner
  for (let level = 0; level < levels; level++) value = as === 'objects' ? { a: value } : [value]
  return value
}

/** Levels of objects and arrays in JSON text (the event itself the first), as a parser counts them. */
function depthOfText(text: string): number {
  let depth = 0
  let deepest = 0
  let inString = false
  for (let at = 0; at < text.length; at++) {
    const char = text[at]
    if (inString) {
      if (char === '\\') at++
      else if (char === '"') inString = false
    } else if (char === '"') inString = true
    else if (char === '{' || char === '[') deepest = Math.max(deepest, ++depth)
    else if (char === '}' || char === ']') depth--
  }
  return deepest
}

describe('parseEvent on nested events (bounded, so no walk of an event overflows the stack)', () => {
  // The event is level 1 and `properties` level 2: 30 more levels make 32.
  it.each(['objects', 'arrays'] as const)('accepts 32 levels and rejects 33 (%s)', (as) => {
    expect(parseEvent({ ...good, properties: { deep: nested(30, 1, as) } }).ok).toBe(true)
    expect(errorOf({ ...good, properties: { deep: nested(31, 1, as) } })).toBe(
      'nested deeper than 32 levels of objects and arrays: flatten the event',
    )
  })

  it('rejects an event nested 100,000 levels deep, as a bad event (no stack overflow)', () => {
    expect(errorOf({ ...good, properties: nested(100_000, 1) })).toMatch(/nested deeper than 32/)
    expect(errorOf({ ...good, traits: { list: nested(100_000, 'x', 'arrays') } })).toMatch(
      /nested deeper than 32/,
    )
    // Also where a number JSON would change sits before the deep part.
    expect(errorOf({ ...good, properties: { a: -0, b: nested(100_000, 1) } })).toMatch(
      /nested deeper than 32/,
    )
  })

  it('rejects exactly the events whose JSON text nests deeper than 32 levels (property)', () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 4 }),
        fc.integer({ min: 20, max: 40 }),
        (leaf, levels) => {
          const event = JSON.parse(
            JSON.stringify({ ...good, properties: { deep: nested(levels, leaf) } }),
          )
          const result = parseEvent(event)
          expect(result.ok).toBe(depthOfText(JSON.stringify(event)) <= 32)
        },
      ),
      { numRuns: 500 },
    )
  })
})

/**
 * The check parseEvent made before it walked own keys with `for…in` (issue 19): whether JSON text
 * would not give the value back (a number that is not finite, or −0), by `Object.values`.
 */
function changedByObjectValues(value: unknown): boolean {
  if (typeof value === 'number') return !Number.isFinite(value) || Object.is(value, -0)
  if (typeof value !== 'object' || value === null) return false
  for (const item of Object.values(value)) if (changedByObjectValues(item)) return true
  return false
}

describe('parseEvent keeps an event that JSON gives back as it is, and reads the others as JSON does', () => {
  const number = fc.oneof(
    fc.double(),
    fc.constantFrom(-0, 0, NaN, Infinity, -Infinity, 1e308, -1e-300),
  )
  const leaf = fc.oneof(number, fc.string({ maxLength: 4 }), fc.boolean(), fc.constant(null))
  // Objects with and without a prototype, arrays with holes and extra keys, inherited keys.
  const inheriting = fc
    .record({ own: leaf, inherited: leaf })
    .map(({ own, inherited }) => Object.assign(Object.create({ inherited }) as object, { own }))
  const { value } = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      leaf,
      fc.dictionary(fc.string({ maxLength: 3 }), tie('value'), { maxKeys: 4 }),
      fc.sparseArray(tie('value'), { maxLength: 4 }),
      fc
        .tuple(fc.array(tie('value'), { maxLength: 3 }), leaf)
        .map(([items, extra]) => Object.assign(items, { extra })),
      fc
        .dictionary(fc.string({ maxLength: 3 }), tie('value'), { maxKeys: 3 })
        .map((entries) => Object.assign(Object.create(null) as object, entries)),
      inheriting,
    ),
  }))

  it('clones exactly the events that Object.values finds a changed number in (property)', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ maxLength: 3 }), value, { maxKeys: 4 }),
        (properties) => {
          const event = { ...good, properties }
          const result = parseEvent(event)
          if (!result.ok) return
          expect(result.event.raw !== event).toBe(changedByObjectValues(event))
          if (result.event.raw !== event)
            expect(result.event.raw).toEqual(JSON.parse(JSON.stringify(event)))
        },
      ),
      { numRuns: 2000 },
    )
  })
})

describe('parseTimestamp on the canonical toISOString shape', () => {
  it('agrees with Date.parse across years, leap days and milliseconds', () => {
    let t = Date.parse('1999-12-31T23:59:59.999Z')
    for (let i = 0; i < 2000; i++) {
      t += 86_400_000 * 17 + 3_600_000 * 5 + 61_001 * i
      const text = new Date(t).toISOString()
      expect(parseTimestamp(text)).toBe(t)
      expect(parseTimestamp(text.replace(/\.\d{3}Z$/, 'Z'))).toBe(Math.floor(t / 1000) * 1000)
    }
    expect(parseTimestamp('2024-02-29T00:00:00Z')).toBe(Date.parse('2024-02-29T00:00:00Z'))
    expect(parseTimestamp('2023-02-29T00:00:00Z')).toBeUndefined()
    expect(parseTimestamp('2023-13-01T00:00:00.000Z')).toBeUndefined()
    expect(parseTimestamp('2023-01-01T24:00:00.000Z')).toBeUndefined()
    expect(parseTimestamp('2023-01-0xT00:00:00.000Z')).toBeUndefined()
  })
})

describe('parseTimestamp after another timestamp', () => {
  // It keeps the midnight of the day it read last (issue 19): any sequence reads as each alone.
  const canonical = fc
    .tuple(
      fc.integer({
        min: Date.parse('0000-01-01T00:00:00Z'),
        max: Date.parse('9999-12-31T23:59:59.999Z'),
      }),
      fc.boolean(),
    )
    .map(([t, millis]) => {
      const text = new Date(t).toISOString()
      return millis ? text : text.replace(/\.\d{3}Z$/, 'Z')
    })
  // Runs of times within a day, as event streams are, and jumps between days and years.
  const sameDay = fc
    .tuple(canonical, fc.array(fc.integer({ min: 0, max: 86_399_999 }), { maxLength: 5 }))
    .map(([first, times]) => [
      first,
      ...times.map((ms) => `${first.slice(0, 11)}${new Date(ms).toISOString().slice(11)}`),
    ])

  it('reads every timestamp of a sequence as Date.parse does (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            sameDay,
            canonical.map((t) => [t]),
          ),
          { maxLength: 8 },
        ),
        (runs) => {
          for (const text of runs.flat()) expect(parseTimestamp(text)).toBe(Date.parse(text))
        },
      ),
      { numRuns: 2000 },
    )
  })
})

describe('parseTimestamp across the years 0000–9999', () => {
  it('reads the years 0000–0099 as those years, not as 1900–1999', () => {
    const year50 = new Date(0)
    year50.setUTCFullYear(50, 0, 1)
    expect(parseTimestamp('0050-01-01T00:00:00Z')).toBe(year50.getTime())
    expect(parseTimestamp('0050-01-01T00:00:00.000Z')).toBe(year50.getTime())
    expect(parseTimestamp('0050-01-01T02:00:00+02:00')).toBe(year50.getTime())
    expect(new Date(parseTimestamp('0000-02-29T12:00:00Z')!).toISOString()).toBe(
      '0000-02-29T12:00:00.000Z',
    )
    expect(parseTimestamp('0100-02-29T00:00:00Z')).toBeUndefined()
  })

  it('reads back every instant toISOString writes with a four-digit year', () => {
    const earliest = Date.parse('0000-01-01T00:00:00.000Z')
    const latest = Date.parse('9999-12-31T23:59:59.999Z')
    fc.assert(
      fc.property(fc.integer({ min: earliest, max: latest }), (t) => {
        const text = new Date(t).toISOString()
        expect(parseTimestamp(text)).toBe(t)
        expect(parseTimestamp(text.replace('Z', '+00:00'))).toBe(t)
      }),
      { numRuns: 2000 },
    )
  })

  it('rejects a time an offset moves out of the years 0000–9999', () => {
    expect(parseTimestamp('0000-01-01T00:00:00+01:00')).toBeUndefined()
    expect(parseTimestamp('9999-12-31T23:59:59-01:00')).toBeUndefined()
    expect(parseTimestamp('0000-01-01T00:00:00-01:00')).toBe(Date.parse('0000-01-01T01:00:00.000Z'))
    const event = { type: 'page', anonymousId: 'a', timestamp: '0000-01-01T00:00:00+01:00' }
    expect(parseEvent(event)).toEqual({
      ok: false,
      error: expect.stringContaining('in the years 0000–9999'),
    })
  })
})
