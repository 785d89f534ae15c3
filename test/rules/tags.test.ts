import { describe, expect, it } from 'vitest'
import { at, doc, event, run, track } from '../support/build.ts'

const spend = {
  events: { event: 'Order Completed' },
  agg: 'sum',
  field: 'properties.revenue',
  window: 'lifetime',
}
const order = (time: string, revenue: unknown) => track(time, 'Order Completed', { revenue })
const tagsFor = (
  tags: Record<string, unknown>,
  events: unknown[],
  traits?: Record<string, unknown>,
) => {
  const all = traits ? [event('09:00', { type: 'identify', traits }), ...events] : events
  return run(doc({ spend }, tags), all).evaluate(at('12:00')).tags
}

describe('tag kinds', () => {
  it('flag: true when truthy, else absent', () => {
    const tags = { buyer: { when: { '>': [{ var: 'metrics.spend' }, 0] } } }
    expect(tagsFor(tags, [order('10:00', 5)])).toEqual({ buyer: true })
    expect(tagsFor(tags, [])).toEqual({})
  })

  it('tiers: the label of how many cuts are <= the number (50 low, 100 mid, 500 high)', () => {
    const tags = {
      tier: {
        tiers: { of: { var: 'metrics.spend' }, cuts: [100, 500], labels: ['low', 'mid', 'high'] },
      },
    }
    expect(tagsFor(tags, [order('10:00', 50)]).tier).toBe('low')
    expect(tagsFor(tags, [order('10:00', 100)]).tier).toBe('mid')
    expect(tagsFor(tags, [order('10:00', 500)]).tier).toBe('high')
  })

  it('tiers: absent when the value is not a number', () => {
    const tags = { tier: { tiers: { of: { var: 'traits.plan' }, cuts: [1], labels: ['a', 'b'] } } }
    expect(tagsFor(tags, [], { plan: 'gold' })).toEqual({})
    expect(tagsFor(tags, [], { plan: '2' })).toEqual({ tier: 'b' })
  })

  it('cases: the first truthy case, else `else`, else absent; null/false results are absent', () => {
    const cases = [
      { when: { '>=': [{ var: 'metrics.spend' }, 100] }, then: 'big' },
      { when: { '>': [{ var: 'metrics.spend' }, 0] }, then: 'small' },
      { when: { '===': [{ var: 'traits.plan' }, 'x'] }, then: null },
    ]
    expect(tagsFor({ c: { cases, else: 'none' } }, [order('10:00', 150)]).c).toBe('big')
    expect(tagsFor({ c: { cases, else: 'none' } }, [order('10:00', 5)]).c).toBe('small')
    expect(tagsFor({ c: { cases, else: 'none' } }, []).c).toBe('none')
    expect(tagsFor({ c: { cases } }, [])).toEqual({})
    expect(tagsFor({ c: { cases, else: 'none' } }, [], { plan: 'x' })).toEqual({})
    expect(tagsFor({ c: { cases: [{ when: true, then: 0 }] } }, []).c).toBe(0)
  })

  it('score: logistic probability, present iff p >= threshold, rounded to 4 decimals', () => {
    const score = {
      bias: -3,
      weights: { 'metrics.spend': 0.01, 'traits.vip': 1.2 },
      threshold: 0.5,
    }
    const p = (z: number) => Math.round((1 / (1 + Math.exp(-z))) * 1e4) / 1e4
    expect(tagsFor({ s: { score } }, [order('10:00', 250)], { vip: true }).s).toBe(
      p(-3 + 2.5 + 1.2),
    )
    expect(tagsFor({ s: { score } }, [order('10:00', 100)], { vip: false })).toEqual({})
    // Non-numeric features count as 0; numeric strings as numbers.
    expect(
      tagsFor({ s: { score: { bias: 0, weights: { 'traits.x': 1 } } } }, [], { x: 'abc' }).s,
    ).toBe(0.5)
    expect(
      tagsFor({ s: { score: { bias: 0, weights: { 'traits.x': 1 } } } }, [], { x: '2' }).s,
    ).toBe(p(2))
  })

  it('score presence uses the unrounded p', () => {
    // p = 0.49996 rounds to 0.5 but is below the threshold 0.5.
    const z = Math.log(0.49996 / (1 - 0.49996))
    expect(tagsFor({ s: { score: { bias: z, weights: { 'traits.x': 1 } } } }, [])).toEqual({})
  })

  it('value: the result, absent when null, "" or false', () => {
    expect(tagsFor({ v: { value: { var: 'traits.plan' } } }, [], { plan: 'gold' }).v).toBe('gold')
    for (const plan of [null, '', false])
      expect(tagsFor({ v: { value: { var: 'traits.plan' } } }, [], { plan })).toEqual({})
    expect(tagsFor({ v: { value: { var: 'traits.plan' } } }, [], { plan: 0 }).v).toBe(0)
  })

  it('tags read other tags (null when absent), in dependency order whatever the document order', () => {
    const tags = {
      combo: {
        when: { and: [{ var: 'tags.buyer' }, { '===': [{ var: 'tags.missing_one' }, null] }] },
      },
      buyer: { when: { '>': [{ var: 'metrics.spend' }, 0] } },
      missing_one: { when: false },
    }
    expect(tagsFor(tags, [order('10:00', 5)])).toEqual({ buyer: true, combo: true })
  })

  it('a tag whose expression throws is absent, and explain shows the error', () => {
    const state = run(doc({ spend }, { bad: { when: { '==': [1, { var: 'traits.plan' }] } } }), [
      event('09:00', { type: 'identify', traits: { plan: 'A' } }),
    ])
    expect(state.evaluate(at('12:00')).tags).toEqual({})
    const why = state.explain('bad', at('12:00'))
    expect(why.value).toBeNull()
    expect(why.error).toMatch(/NaN|number/i)
  })

  it('traits are a shallow merge of identify traits in timestamp order, later winning', () => {
    const events = [
      event('10:00', { type: 'identify', traits: { plan: 'b', vip: true } }),
      event('09:00', { type: 'identify', traits: { plan: 'a', email: 'x@y' } }),
    ]
    const state = run(doc({ spend }), events)
    expect(state.traits()).toEqual({ plan: 'b', vip: true, email: 'x@y' })
  })
})

describe('explain', () => {
  it('returns the expression tree with each node value and the metrics read', () => {
    const state = run(doc({ spend }, { big: { when: { '>': [{ var: 'metrics.spend' }, 100] } } }), [
      order('10:00', 150),
    ])
    const why = state.explain('big', at('12:00'))
    expect(why).toMatchObject({
      tag: 'big',
      kind: 'flag',
      value: true,
      evaluatedOn: 'edge',
      metrics: { spend: 150 },
    })
    expect(why.parts[0]!.tree).toMatchObject({
      op: '>',
      value: true,
      args: [{ op: 'var', value: 150 }, { value: 100 }],
    })
  })

  it('throws for an unknown tag', () => {
    expect(() => run(doc({ spend }), []).explain('nope', 0)).toThrow(/unknown tag "nope"/)
  })
})
