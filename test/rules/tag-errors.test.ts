import { describe, expect, it } from 'vitest'
import { compileRules } from '../../rules/index.ts'

// A tag whose expression throws is absent (rules.md, "Tag results"); the edge's evaluation says
// which tags threw and why, for the catalog's tag health.
const rules = compileRules(
  JSON.stringify({
    version: 1,
    metrics: {
      top: { events: { event: 'Viewed' }, agg: 'top', field: 'properties.c', window: '30d' },
    },
    tags: {
      odd: { when: { '==': [{ var: 'metrics.top' }, 1] } },
      fine: { when: { '==': [{ var: 'metrics.top' }, 'a'] } },
    },
  }),
)
const at = Date.parse('2026-01-10T00:00:00Z')

describe('tag errors', () => {
  it('lists the tags that threw, with the message, and leaves them absent', () => {
    const state = rules.createState()
    state.ingest({
      type: 'track',
      event: 'Viewed',
      anonymousId: 'a',
      properties: { c: 'a' },
      timestamp: '2026-01-09T00:00:00Z',
    })
    const evaluation = state.evaluate(at)
    expect(evaluation.tags).toEqual({ fine: true })
    expect(Object.keys(evaluation.errors ?? {})).toEqual(['odd'])
    expect(evaluation.errors!.odd!.length).toBeGreaterThan(0)
    expect(state.evaluate(at, { nextChangeAt: false }).errors).toEqual(evaluation.errors)
  })

  it('says what went wrong in words, as explain and validation do', () => {
    // Revenue of 1e308-sized orders: the product overflows. The catalog's tag health shows this
    // text to the person who wrote the rule, so it must not be the short `NaN: "*"`.
    const overflow = compileRules(
      JSON.stringify({
        version: 1,
        metrics: {
          spent: { events: { event: 'Paid' }, agg: 'sum', field: 'properties.v', window: '30d' },
        },
        tags: {
          tenfold: { value: { '*': [{ var: 'metrics.spent' }, 10] } },
          words: {
            when: { '>': [{ var: 'metrics.spent' }, { '+': [1, { var: 'traits.plan' }] }] },
          },
        },
      }),
    )
    const state = overflow.createState()
    state.ingest({
      type: 'identify',
      userId: 'u',
      traits: { plan: 'gold' },
      timestamp: '2026-01-09T00:00:00Z',
    })
    state.ingest({
      type: 'track',
      event: 'Paid',
      userId: 'u',
      properties: { v: 1e308 },
      timestamp: '2026-01-09T00:00:00Z',
    })
    expect(state.evaluate(at).errors).toEqual({
      tenfold: '"*" has no finite result',
      words: '"+" needs numbers, got "gold"',
    })
  })

  it('has no errors when no tag threw', () => {
    const evaluation = rules.createState().evaluate(at)
    expect(evaluation).not.toHaveProperty('errors')
  })
})
