// A rules document that uses the rare features (rules/device/rare-names.ts), for the SDK's unit and e2e tests.
import type { RulesDocument } from '../../rules/index.ts'

/** Session tags of every rare kind, over rare aggregations and operations. */
export const RARE_DOC: RulesDocument = {
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

export const view = (category: string, price: number) => ({ category, price })
