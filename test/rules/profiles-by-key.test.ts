// `tagwise eval` routes each event to its profile by one of its ids (cli/profiles-by-key.ts): the
// same profile as resolving the event's key in the identity graph, over streams of identifies,
// aliases and anonymous events in any order, with empty, null and missing ids.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ProfilesByKey } from '../../cli/profiles-by-key.ts'
import { IdentityGraph, type IdentityFields } from '../../rules/index.ts'

// Few ids, spelled alike across the two spaces, so links chain, collide and cycle.
const id = fc.constantFrom('a', 'b', 'c', 'u', '', null, undefined)
const event = fc.record({
  type: fc.constantFrom('identify', 'alias', 'track', 'page'),
  userId: id,
  anonymousId: id,
  previousId: id,
  ts: fc.integer({ min: 0, max: 5 }),
})

/** The event without its timestamp and without the fields the record left undefined. */
const fields = ({ ts: _ts, ...rest }: { ts: number } & IdentityFields): IdentityFields =>
  Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined))

describe('ProfilesByKey', () => {
  it('gives each event the profile of its key in the graph, made once per key (property)', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 30 }), (events) => {
        const graph = new IdentityGraph()
        events.forEach((each, i) => graph.addEvent(fields(each), each.ts, i + 1))
        const made: string[] = []
        const byKey = new ProfilesByKey(graph, (key) => {
          made.push(key)
          return { key }
        })
        for (const each of events) {
          const key = graph.profileKeyOf(fields(each))
          expect(byKey.of(fields(each))).toBe(byKey.profiles.get(key))
          expect(byKey.profiles.get(key)).toEqual({ key })
        }
        expect(made).toEqual([...new Set(made)])
        expect([...byKey.profiles.keys()]).toEqual(made)
      }),
      { numRuns: 5_000 },
    )
  })

  it('keeps a user id and an anonymous id spelled alike apart', () => {
    const graph = new IdentityGraph()
    const byKey = new ProfilesByKey(graph, (key) => ({ key }))
    expect(byKey.of({ anonymousId: 'x' })).not.toBe(byKey.of({ userId: 'x' }))
    expect(byKey.of({ userId: 'x', anonymousId: 'y' })).toBe(byKey.of({ userId: 'x' }))
    expect(byKey.of({ userId: '', anonymousId: 'x' })).toBe(byKey.of({ anonymousId: 'x' }))
  })
})
