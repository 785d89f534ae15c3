/**
 * A seeded rules document at the limits of spec rules.md §2: 500 metrics of every aggregation and
 * window kind, 1,000 tags of every kind (flags, tiers, cases, scores with many weights, values, and
 * tags reading tags in long chains), close to 1 MB. It reads the events of `generateEvents`, so an
 * ordinary visitor fills most metrics.
 */
import { DOCUMENT_LIMITS } from '../../rules/index.ts'
import type { Json } from '../../rules/index.ts'
// Every aggregation the language has, in its order (the seeded document depends on it).
import { AGGREGATIONS } from '../../rules/document/document.ts'
import { mulberry32 } from './events.ts'

const WINDOWS = ['session', 'lifetime', '30m', '6h', '7d', '30d', '90d', '365d', '3650d'] as const
const EVENTS = ['Product Viewed', 'Order Completed', 'Coupon Claimed', 'Search', 'Page Left']
const PATHS = ['/checkout/**', '/visa/**', '/flights/*', '/hotels/**', '/**']
const NUMERIC_FIELDS = ['properties.revenue', 'properties.price', 'properties.quantity']
const VALUE_FIELDS = ['properties.category', 'properties.product_id', 'context.page.path']

/** The value of a metric, in an expression. */
const metric = (id: string): Json => ({ var: `metrics.${id}` })

/** Whether a nullable metric is at least `limit`, guarded as `check` asks. */
const guarded = (id: string, limit: number): Json => ({
  and: [{ '!==': [metric(id), null] }, { '>=': [metric(id), limit] }],
})

/** How long the chain of tags that read the previous tag is (the deepest tag is its last). */
export const CHAIN_LENGTH = 200

export interface LargestDocument {
  document: { [key: string]: Json }
  /** The tag at the end of the longest chain of tags reading tags. */
  deepestTag: string
}

/** The document for `seed`: the same document for the same seed. */
export function largestDocument(seed = 1): LargestDocument {
  const rand = mulberry32(seed)
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!
  const metrics: { [id: string]: Json } = {}
  const metricIds: string[] = []
  const numericIds: string[] = []
  for (let index = 0; index < DOCUMENT_LIMITS.metrics; index++) {
    const agg = AGGREGATIONS[index % AGGREGATIONS.length]!
    const window = WINDOWS[Math.floor(index / AGGREGATIONS.length) % WINDOWS.length]!
    const id = `m${index}_${agg}_${window}`
    // Dwell metrics take only a path; the others take one of the event selectors.
    const events: { [key: string]: Json } =
      agg === 'dwell' || agg === 'dwell_max'
        ? { path: pick(PATHS) }
        : index % 3 === 0
          ? { event: pick(EVENTS), where: { '>=': [{ var: 'properties.price' }, index % 50] } }
          : index % 3 === 1
            ? { type: ['page', 'screen'], path: pick(PATHS) }
            : { event: [pick(EVENTS), pick(EVENTS)] }
    const definition: { [key: string]: Json } = {
      events,
      agg,
      window,
      description: `Metric ${index}: ${agg} over ${window}, generated at the limits of the spec.`,
    }
    if (['sum', 'min', 'max', 'avg'].includes(agg)) definition.field = pick(NUMERIC_FIELDS)
    if (['distinct', 'top', 'first', 'last'].includes(agg)) definition.field = pick(VALUE_FIELDS)
    metrics[id] = definition
    metricIds.push(id)
    if (!['top', 'first', 'last'].includes(agg)) numericIds.push(id)
  }

  const tags: { [id: string]: Json } = {}
  const catalog = (index: number) => ({
    name: `Tag ${index}`,
    // Descriptions as long as a catalog's bring the document close to its 1 MB limit.
    description: `Generated tag ${index} for the largest legal document: it reads several metrics and, from time to time, an earlier tag. Generated to measure the engine at the limits of spec rules.md, §2.`,
    category: `generated/group_${index % 10}`,
    owner: 'bench',
  })
  for (let index = 0; index < DOCUMENT_LIMITS.tags - CHAIN_LENGTH; index++) {
    const id = `t${index}`
    const kind = index % 5
    // Earlier tags may be read by later ones (never the reverse, so no cycles).
    const earlier = index > 0 ? `tags.t${Math.floor(rand() * index)}` : 'now'
    let tag: { [key: string]: Json }
    if (kind === 0) {
      tag = {
        when: {
          or: [
            guarded(pick(numericIds), Math.floor(rand() * 10)),
            { and: [{ '!!': [{ var: earlier }] }, guarded(pick(numericIds), 2)] },
            { '===': [{ var: `metrics.${pick(metricIds)}` }, 'flights'] },
          ],
        },
      }
    } else if (kind === 1) {
      tag = {
        tiers: {
          of: { '+': [metric(pick(numericIds)), metric(pick(numericIds))] },
          cuts: [1, 10, 100, 1000, 10000],
          labels: ['none', 'few', 'some', 'many', 'lots', 'all'],
        },
      }
    } else if (kind === 2) {
      tag = {
        cases: Array.from({ length: 12 }, (_, branch) => ({
          when: guarded(pick(numericIds), branch),
          then: `case_${branch}`,
        })),
        else: 'other',
      }
    } else if (kind === 3) {
      const weights: { [path: string]: Json } = {}
      for (let weight = 0; weight < 40; weight++) {
        weights[`metrics.${pick(numericIds)}`] = Math.round((rand() - 0.5) * 1000) / 1000
      }
      weights[earlier === 'now' ? 'traits.vip' : earlier] = 0.5
      tag = { score: { bias: -1, weights, threshold: 0.3 } }
    } else {
      tag = {
        value: {
          if: [guarded(pick(numericIds), 1), { var: `metrics.${pick(metricIds)}` }, null],
        },
      }
    }
    tags[id] = { ...catalog(index), ...tag }
  }
  // The chain: each tag reads the one before it and one metric.
  let previous = 't0'
  for (let link = 0; link < CHAIN_LENGTH; link++) {
    const id = `chain_${link}`
    tags[id] = {
      ...catalog(link),
      when: { or: [{ '!!': [{ var: `tags.${previous}` }] }, guarded(pick(numericIds), link)] },
    }
    previous = id
  }
  return {
    document: { version: 1, session: { timeoutMinutes: 30 }, metrics, tags },
    deepestTag: previous,
  }
}
