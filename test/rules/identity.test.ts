import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MAX_MERGED_IDS } from '../../rules/document/limits.ts'
import { IdentityGraph } from '../../rules/state/identity.ts'

type Event = { type: string; userId?: string; anonymousId?: string; previousId?: string; t: number }

const identify = (t: number, anonymousId: string, userId: string): Event => ({
  type: 'identify',
  anonymousId,
  userId,
  t,
})
const anon = (t: number, anonymousId: string): Event => ({ type: 'page', anonymousId, t })
const user = (t: number, userId: string, anonymousId?: string): Event => ({
  type: 'track',
  userId,
  ...(anonymousId ? { anonymousId } : {}),
  t,
})
const alias = (t: number, previousId: string, userId: string): Event => ({
  type: 'alias',
  previousId,
  userId,
  t,
})

/** A graph fed with `events` in the given (input) order. */
function graphOf(events: Event[]): IdentityGraph {
  const graph = new IdentityGraph()
  events.forEach((event, i) => graph.addEvent(event, event.t, i + 1))
  return graph
}

/** Each event's profile key, in input order. */
const keysOf = (events: Event[]) => {
  const graph = graphOf(events)
  return events.map((event) => graph.profileKeyOf(event))
}

/** The profile keys the CLI prints: every key seen on an event, sorted. */
const printedKeys = (events: Event[]) => [...new Set(keysOf(events))].sort()

describe('IdentityGraph', () => {
  it('joins anonymous events before and after an identify into the user profile', () => {
    const events = [anon(1, 'a1'), identify(2, 'a1', 'u1'), anon(3, 'a1'), user(4, 'u1')]
    expect(keysOf(events)).toEqual(['u1', 'u1', 'u1', 'u1'])
  })

  it('joins whatever the input order of the lines', () => {
    const events = [anon(3, 'a1'), user(4, 'u1'), anon(1, 'a1'), identify(2, 'a1', 'u1')]
    expect(keysOf(events)).toEqual(['u1', 'u1', 'u1', 'u1'])
  })

  it('keeps unlinked anonymous visitors on their own profile', () => {
    expect(keysOf([anon(1, 'a1'), anon(2, 'a2'), identify(3, 'a2', 'u2')])).toEqual([
      'anonymous:a1',
      'u2',
      'u2',
    ])
  })

  it('joins an anonymous id linked to two users to the earliest link', () => {
    const events = [identify(20, 'a1', 'u2'), anon(5, 'a1'), identify(10, 'a1', 'u1')]
    expect(keysOf(events)).toEqual(['u2', 'u1', 'u1'])
    expect(printedKeys(events)).toEqual(['u1', 'u2'])
  })

  it('breaks a timestamp tie between two links by input order', () => {
    expect(keysOf([identify(10, 'a1', 'u2'), identify(10, 'a1', 'u1'), anon(11, 'a1')])).toEqual([
      'u2',
      'u1',
      'u2',
    ])
  })

  it('files an event under its userId even when its anonymous id joined another user', () => {
    const events = [identify(1, 'a1', 'u1'), user(2, 'u2', 'a1'), anon(3, 'a1')]
    expect(keysOf(events)).toEqual(['u1', 'u2', 'u1'])
  })

  it('follows alias chains to the user id that is no alias previousId', () => {
    const events = [
      identify(1, 'a1', 'u1'),
      alias(2, 'u1', 'u2'),
      alias(3, 'u2', 'u3'),
      anon(4, 'a1'),
      user(5, 'u1'),
    ]
    expect(keysOf(events)).toEqual(['u3', 'u3', 'u3', 'u3', 'u3'])
    expect(printedKeys(events)).toEqual(['u3'])
  })

  it('joins an aliased anonymous id (previousId) to the alias userId', () => {
    const events = [anon(1, 'a1'), alias(2, 'a1', 'u1'), anon(3, 'a1')]
    expect(keysOf(events)).toEqual(['u1', 'u1', 'u1'])
  })

  it('takes both links of an alias that also carries an anonymousId', () => {
    const graph = new IdentityGraph()
    graph.addEvent({ type: 'alias', anonymousId: 'a9', previousId: 'u1', userId: 'u2' }, 1, 1)
    expect([
      graph.resolve('anonymous:a9'),
      graph.resolve('u1'),
      graph.resolve('anonymous:u1'),
      graph.resolve('u2'),
    ]).toEqual(['u2', 'u2', 'u2', 'u2'])
  })

  it('keeps an anonymous id and a user id of the same string apart', () => {
    const events = [anon(1, 'alice'), user(2, 'alice'), anon(3, 'alice'), user(4, 'bob', 'alice')]
    // The visitor whose anonymousId is "alice" identified as bob and took only their own events.
    expect(keysOf(events)).toEqual(['bob', 'alice', 'bob', 'bob'])
    expect(printedKeys(events)).toEqual(['alice', 'bob'])
  })

  it("joins an alias's previousId as the anonymous visitor when the alias carries it as anonymousId", () => {
    const events = [
      anon(1, 'p'),
      user(1, 'p'),
      { ...alias(2, 'p', 'u1'), anonymousId: 'p' },
      anon(3, 'p'),
      user(4, 'p'),
    ]
    expect(keysOf(events)).toEqual(['u1', 'p', 'u1', 'u1', 'p'])
  })

  it("joins both the user and the anonymous visitor named by a server alias's previousId", () => {
    const events = [anon(1, 'p'), user(1, 'q'), alias(2, 'p', 'u1'), alias(2, 'q', 'u1')]
    expect(printedKeys(events)).toEqual(['u1'])
  })

  it('ignores the later alias that would close a cycle, without hanging', () => {
    const two = [alias(1, 'u1', 'u2'), alias(2, 'u2', 'u1'), user(3, 'u1'), user(4, 'u2')]
    expect(printedKeys(two)).toEqual(['u2'])
    const three = [alias(3, 'u3', 'u1'), alias(1, 'u1', 'u2'), alias(2, 'u2', 'u3'), user(4, 'u1')]
    expect(printedKeys(three)).toEqual(['u3'])
  })

  it('ignores links from an id to itself', () => {
    expect(keysOf([identify(1, 'x', 'x'), anon(2, 'x')])).toEqual(['x', 'x'])
  })

  it('prints every key seen on an event unless it joined another profile', () => {
    const events = [
      anon(1, 'a1'),
      anon(1, 'a2'),
      identify(2, 'a2', 'u2'),
      user(3, 'u3'),
      alias(4, 'u3', 'u4'),
      anon(5, 'b10'),
    ]
    expect(printedKeys(events)).toEqual(['anonymous:a1', 'anonymous:b10', 'u2', 'u4'])
  })

  it('joins at most MAX_MERGED_IDS ids into one person: the links past it are ignored', () => {
    const events = [
      ...Array.from({ length: MAX_MERGED_IDS + 2 }, (_, i) => identify(i, `a${i}`, 'guest')),
      anon(MAX_MERGED_IDS + 5, `a${MAX_MERGED_IDS + 1}`),
    ]
    const keys = keysOf(events)
    expect(keys.slice(0, MAX_MERGED_IDS + 2).every((key) => key === 'guest')).toBe(true)
    expect(graphOf(events).resolve(`anonymous:a${MAX_MERGED_IDS - 1}`)).toBe('guest')
    // The 1,001st and 1,002nd anonymous ids stay people of their own.
    expect(graphOf(events).resolve(`anonymous:a${MAX_MERGED_IDS}`)).toBe(
      `anonymous:a${MAX_MERGED_IDS}`,
    )
    expect(keys.at(-1)).toBe(`anonymous:a${MAX_MERGED_IDS + 1}`)
  })

  it('counts the ids a joining person brings, whatever order the links arrive in', () => {
    // u1 holds a1 and a2; u2 holds a3: u1 joining u2 would make 4 merged ids, over a bound of 3.
    const links: [string, string, number][] = [
      ['a1', 'u1', 1],
      ['a2', 'u1', 2],
      ['a3', 'u2', 3],
      ['u1', 'u2', 4],
      ['a4', 'u2', 5],
    ]
    for (const order of [links, [...links].reverse()]) {
      const graph = new IdentityGraph(3)
      order.forEach(([from, to, ts]) => graph.addLink(from, to, ts, ts))
      expect(['a1', 'a2', 'u1', 'a3', 'a4'].map((id) => graph.resolve(id))).toEqual([
        'u1',
        'u1',
        'u1',
        'u2',
        'u2',
      ])
    }
  })

  it('resolves a chain of 100,000 aliases given newest first', () => {
    const n = 100_000
    const graph = new IdentityGraph(Infinity)
    for (let i = n; i >= 1; i--) graph.addLink(`u${i - 1}`, `u${i}`, i, n - i)
    expect(graph.resolve('u0')).toBe(`u${n}`)
    expect(graph.resolve(`u${n / 2}`)).toBe(`u${n}`)
  })

  it('gives the same profiles whatever order the links arrive in, also between lookups', () => {
    const ids = ['a1', 'a2', 'a3', 'u1', 'u2', 'u3', 'u4']
    const id = fc.constantFrom(...ids)
    const link = fc.record({ from: id, to: id, ts: fc.integer({ min: 0, max: 5 }) })
    const scenario = fc
      .array(link, { maxLength: 12 })
      .map((links) => links.map((l, seq) => ({ ...l, seq })))
      .chain((links) =>
        fc.tuple(
          fc.constant(links),
          fc.shuffledSubarray(links, { minLength: links.length, maxLength: links.length }),
        ),
      )
    const bound = fc.constantFrom(1, 2, 3, Infinity)
    fc.assert(
      fc.property(scenario, bound, ([links, arrival], maxMergedIds) => {
        const expected = ids.map(modelResolver(links, maxMergedIds))
        const graph = new IdentityGraph(maxMergedIds)
        for (const l of arrival) {
          graph.addLink(l.from, l.to, l.ts, l.seq)
          graph.resolve(l.from)
        }
        expect(ids.map((i) => graph.resolve(i))).toEqual(expected)
      }),
    )
  })
})

/**
 * The spec's rule written plainly: each id's parent is its earliest link that closes no cycle and
 * leaves no person with more than `maxMergedIds` ids besides its root (people counted afresh).
 */
function modelResolver(
  links: { from: string; to: string; ts: number; seq: number }[],
  maxMergedIds: number,
) {
  const parent = new Map<string, string>()
  const root = (id: string) => {
    let node = id
    for (let next = parent.get(node); next !== undefined; next = parent.get(node)) node = next
    return node
  }
  const members = (person: string) =>
    new Set([person, ...parent.keys()].filter((id) => root(id) === person)).size
  for (const l of [...links].sort((a, b) => a.ts - b.ts || a.seq - b.seq)) {
    if (l.from === l.to || parent.has(l.from) || root(l.to) === l.from) continue
    if (members(root(l.to)) - 1 + members(l.from) > maxMergedIds) continue
    parent.set(l.from, l.to)
  }
  return root
}
