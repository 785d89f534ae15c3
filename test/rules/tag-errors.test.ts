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

  it('has no errors when no tag threw', () => {
    const evaluation = rules.createState().evaluate(at)
    expect(evaluation).not.toHaveProperty('errors')
  })
})
