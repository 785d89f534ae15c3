// @vitest-environment happy-dom
// The rare features (rules/rare.ts) in the SDK as the browser builds run it (the vitest project
// `device` leaves them out like scripts/device-define.js does): their chunk loads only for a
// document that uses one, before the document is compiled, and then they work as on the edge.
import 'fake-indexeddb/auto'
import { describe, expect, it, vi } from 'vitest'
import { devicePlan, type DevicePlan, type RulesDocument } from '../../rules/index.ts'
import { operation } from '../../rules/logic-ops.ts'
import { fakeCollector, start } from './harness.ts'

declare const __TAGWISE_RARE__: boolean | undefined

const loads = vi.hoisted(() => ({ count: 0 }))
vi.mock('../../rules/device-rare.ts', async (original) => {
  loads.count++
  return original()
})

/** Session tags of every rare kind, over rare aggregations and operations. */
const RARE_DOC: RulesDocument = {
  version: 1,
  metrics: {
    views: { events: { event: 'Product Viewed' }, agg: 'count', window: 'session' },
    categories: {
      events: { event: 'Product Viewed' },
      agg: 'distinct',
      field: 'properties.category',
      window: 'session',
    },
    first_category: {
      events: { event: 'Product Viewed' },
      agg: 'first',
      field: 'properties.category',
      window: 'session',
    },
    priciest: {
      events: { event: 'Product Viewed' },
      agg: 'max',
      field: 'properties.price',
      window: 'session',
    },
  },
  tags: {
    variety: {
      tiers: {
        of: { var: 'metrics.categories' },
        cuts: [2, 3],
        labels: ['narrow', 'mixed', 'broad'],
      },
    },
    first_seen: { value: { cat: ['first: ', { var: 'metrics.first_category' }] } },
    budget: {
      cases: [
        { when: { '>=': [{ var: 'metrics.priciest' }, 1000] }, then: 'premium' },
        { when: { '>': [{ var: 'metrics.priciest' }, 0] }, then: 'value' },
      ],
    },
    keen: { score: { bias: -2, weights: { 'metrics.views': 1 }, threshold: 0.7 } },
    picky: { when: { some: [[{ var: 'metrics.categories' }], { '>=': [{ var: '' }, 3] }] } },
  },
}

const view = (category: string, price: number) => ({ category, price })

describe('rare features in the browser builds', () => {
  it('runs in a project that leaves them out, as the browser builds do', () => {
    expect(typeof __TAGWISE_RARE__ !== 'undefined' && __TAGWISE_RARE__).toBe(false)
    expect(operation('map')).toBeUndefined()
    expect(operation('==')).toBeDefined()
  })

  it('does not load them for a document that uses none (the example catalog)', async () => {
    const tw = start(fakeCollector())
    await tw.ready
    tw.track('Coupon Claimed', { coupon_id: 'c' })
    expect(tw.has('coupon_claimer')).toBe(true)
    expect(loads.count).toBe(0)
    expect(operation('map')).toBeUndefined()
  })

  it('loads them once before it compiles a document that uses them, and they evaluate', async () => {
    expect(devicePlan(RARE_DOC).rare).toBe(true)
    const tw = start(fakeCollector(), { rules: RARE_DOC, autoPage: false })
    await tw.ready
    expect(loads.count).toBe(1)
    for (const [category, price] of [
      ['flights', 1200],
      ['hotels', 300],
      ['flights', 900],
    ] as const)
      tw.track('Product Viewed', view(category, price))
    expect(tw.tags()).toEqual({
      variety: 'mixed',
      first_seen: 'first: flights',
      budget: 'premium',
      keen: 0.7311,
    })
    tw.track('Product Viewed', view('visas', 50))
    expect(tw.value('variety')).toBe('broad')
    expect(tw.has('picky')).toBe(true)
    expect(tw.explain('keen')?.parts[0]?.tree.value).toBeCloseTo(0.8808, 4)

    await start(fakeCollector(), { rules: RARE_DOC, autoPage: false }).ready
    expect(loads.count).toBe(1)
  })

  it('loads them for a plan from a collector that did not say (no `rare` flag)', async () => {
    const { rare: _, ...older } = devicePlan(RARE_DOC) as DevicePlan & { rare?: boolean }
    const collector = fakeCollector()
    collector.state.rules = RARE_DOC
    collector.state.plan = older
    const tw = start(collector, { rules: 'remote', autoPage: false })
    await tw.ready
    tw.track('Product Viewed', view('flights', 10))
    expect(tw.value('first_seen')).toBe('first: flights')
  })
})
