// Issue 17, finding 2: a profile state is bounded whatever it is sent. Values `top`, `distinct`,
// `first` and `last` keep are at most MAX_KEPT_VALUE_CHARS characters of JSON; traits at most
// MAX_TRAITS keys of MAX_TRAIT_KEY_CHARS, values of MAX_TRAIT_VALUE_CHARS. Before, a 32 KB string
// was kept as it came (a `top` key, a trait), and 80 identifies of a 30 KB trait made a snapshot
// of 2.4 MB.
import { describe, expect, it } from 'vitest'
import { compileRules, devicePlan, loadDeviceRules, parseEvent } from '../../rules/index.ts'
import { features } from '../../rules/device/rare-chunk.ts'
import {
  MAX_KEPT_PATH_CHARS,
  MAX_KEPT_VALUE_CHARS,
  MAX_TAG_VALUE_CHARS,
  MAX_TRAIT_KEY_CHARS,
  MAX_TRAIT_VALUE_CHARS,
  MAX_TRAITS,
} from '../../rules/document/limits.ts'
import { at, doc, event, run, track } from '../support/build.ts'

/** A string whose JSON is exactly `chars` characters (its two quotes included). */
const jsonOf = (chars: number, fill = 'x') => fill.repeat(chars - 2)

const viewed = (time: string, category: unknown) => track(time, 'Product Viewed', { category })

const byCategory = (agg: string, window = 'lifetime') => ({
  events: { event: 'Product Viewed' },
  agg,
  field: 'properties.category',
  window,
})

const DOC = doc({
  top: byCategory('top'),
  distinct: byCategory('distinct'),
  first: byCategory('first'),
  last: byCategory('last'),
  top_session: byCategory('top', 'session'),
  distinct_session: byCategory('distinct', 'session'),
})

describe('values kept by top, distinct, first and last (issue 17)', () => {
  const atBound = jsonOf(MAX_KEPT_VALUE_CHARS)
  const over = jsonOf(MAX_KEPT_VALUE_CHARS + 1, 'y')
  const events = [
    viewed('10:00', over),
    viewed('10:01', atBound),
    viewed('10:02', over),
    viewed('10:03', over),
    viewed('10:04', { long: over }),
  ]

  it('a value at the bound counts, a longer one is skipped like a missing value', () => {
    const { metrics } = run(DOC, events).evaluate(at('10:10'))
    expect(metrics).toEqual({
      top: atBound,
      distinct: 1,
      first: atBound,
      last: atBound,
      top_session: atBound,
      distinct_session: 1,
    })
  })

  it('the device engine keeps the same values', () => {
    const device = loadDeviceRules(DOC, JSON.parse(JSON.stringify(devicePlan(DOC))), features)
    const state = device.createState()
    for (const e of events) {
      const parsed = parseEvent(e)
      if (!parsed.ok) throw new Error(parsed.error)
      state.ingest(parsed.event.raw)
    }
    const { metrics } = state.evaluate(at('10:10'), {})
    expect(metrics).toMatchObject({ top_session: atBound, distinct_session: 1 })
  })

  it('the snapshot holds no longer value', () => {
    const state = run(DOC, events)
    expect(JSON.stringify(state.snapshot())).not.toContain('yyy')
  })
})

describe('traits (issue 17)', () => {
  const identify = (time: string, traits: Record<string, unknown>) =>
    event(time, { type: 'identify', userId: 'u1', traits })

  it('80 identifies of a 30 KB trait each keep none of them: the state stays small', () => {
    const events = Array.from({ length: 80 }, (_, i) =>
      identify(`10:${String(i % 60).padStart(2, '0')}`, { [`bio${i}`]: 'z'.repeat(30_000) }),
    )
    const state = run(doc({}), events)
    expect(state.traits()).toEqual({})
    expect(JSON.stringify(state.snapshot()).length).toBeLessThan(50_000)
  })

  it(`a value up to ${MAX_TRAIT_VALUE_CHARS} characters of JSON is kept, a longer one leaves the old value`, () => {
    const ok = jsonOf(MAX_TRAIT_VALUE_CHARS)
    const state = run(doc({}), [
      identify('10:00', { bio: ok, plan: 'basic' }),
      identify('10:01', { bio: jsonOf(MAX_TRAIT_VALUE_CHARS + 1), plan: 'plus' }),
    ])
    expect(state.traits()).toEqual({ bio: ok, plan: 'plus' })
  })

  it(`keeps at most ${MAX_TRAITS} keys of at most ${MAX_TRAIT_KEY_CHARS} characters; the first keys win`, () => {
    const key = (i: number) => `k${i}`.padEnd(MAX_TRAIT_KEY_CHARS, '_')
    const first = Object.fromEntries(Array.from({ length: MAX_TRAITS }, (_, i) => [key(i), i]))
    const state = run(doc({}), [
      identify('10:00', { ['l'.repeat(MAX_TRAIT_KEY_CHARS + 1)]: 1 }),
      identify('10:01', first),
      identify('10:02', { extra: 1, [key(0)]: 'changed' }),
    ])
    const traits = state.traits()
    expect(Object.keys(traits)).toHaveLength(MAX_TRAITS)
    expect(traits).not.toHaveProperty('extra')
    // A known key still changes.
    expect(traits[key(0)]).toBe('changed')
  })

  it('a merge keeps the same bounds', () => {
    const rules = compileRules(doc({}))
    const a = rules.createState()
    const b = rules.createState()
    for (let i = 0; i < MAX_TRAITS; i++) a.ingest(identify('10:00', { [`a${i}`]: i }))
    b.ingest(identify('10:01', { b: 1 }))
    a.merge(b)
    expect(Object.keys(a.traits())).toHaveLength(MAX_TRAITS)
    expect(a.traits()).not.toHaveProperty('b')
  })
})

describe('tag values and page paths (issue 17)', () => {
  it(`a tag whose value is longer than ${MAX_TAG_VALUE_CHARS} characters is absent`, () => {
    const identify = (traits: Record<string, unknown>) =>
      event('10:00', { type: 'identify', userId: 'u1', traits })
    const document = doc(
      {},
      {
        twice: { value: { cat: [{ var: 'traits.bio' }, { var: 'traits.bio' }] } },
        uses_twice: { when: { '!!': { var: 'tags.twice' } } },
      },
    )
    const fits = run(document, [identify({ bio: 'b'.repeat(MAX_TAG_VALUE_CHARS / 2) })])
    expect(fits.evaluate(at('10:01')).tags).toMatchObject({ uses_twice: true })
    expect(fits.evaluate(at('10:01')).tags.twice).toHaveLength(MAX_TAG_VALUE_CHARS)
    const over = run(document, [identify({ bio: 'b'.repeat(MAX_TAG_VALUE_CHARS / 2 + 1) })])
    // Absent, and tags reading it see it absent.
    expect(over.evaluate(at('10:01')).tags).toEqual({})
  })

  it(`page paths are kept to ${MAX_KEPT_PATH_CHARS} characters, and a long page still pairs with its Page Left`, () => {
    const long = `/${'p'.repeat(5000)}`
    const document = doc({
      dwell: { events: { path: '/**' }, agg: 'dwell', window: 'lifetime' },
    })
    const state = run(document, [
      event('10:00', { type: 'page', properties: { path: long } }),
      track('10:00:30', 'Page Left', { path: long, dwell_ms: 7000 }),
      event('10:05', { type: 'page', properties: { path: '/next' } }),
    ])
    expect(state.evaluate(at('10:06')).metrics.dwell).toBe(7000 + 60_000)
    expect(JSON.stringify(state.snapshot())).not.toContain('p'.repeat(MAX_KEPT_PATH_CHARS + 1))
  })
})
