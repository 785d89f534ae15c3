// The rare features (rules/rare.ts): the names `devicePlan` looks for are exactly the features the
// rare modules hold, and the plan says whether a document's device part needs them.
import { describe, expect, it } from 'vitest'
import { rareFolds } from '../../rules/aggregate/rare-folds.ts'
import { devicePlan, type RulesDocument } from '../../rules/index.ts'
import { LOGIC_OPERATIONS } from '../../rules/logic/compile-logic.ts'
import { rareOperations } from '../../rules/logic/rare-operations.ts'
import { RARE } from '../../rules/device/rare.ts'
import { rareKinds } from '../../rules/tags/rare-kinds.ts'
import catalog from '../../examples/rules/catalog.json' with { type: 'json' }

const sorted = (names: readonly string[]) => [...names].sort()

/** A document with one session metric and one device tag, both of the given shape. */
const doc = (agg: string, tag: Record<string, unknown>): RulesDocument =>
  ({
    version: 1,
    metrics: { m: { events: { event: 'E' }, agg, field: 'properties.x', window: 'session' } },
    tags: { t: tag },
  }) as unknown as RulesDocument

describe('rare features', () => {
  it('names exactly what the rare modules hold, all of it built in here', () => {
    expect(sorted(RARE.operations)).toEqual(sorted(Object.keys(rareOperations())))
    expect(sorted(RARE.aggregations)).toEqual(sorted(Object.keys(rareFolds())))
    expect(sorted(RARE.kinds)).toEqual(sorted(Object.keys(rareKinds())))
    for (const op of RARE.operations) expect(LOGIC_OPERATIONS).toContain(op)
  })

  it('are not needed by the example catalog on a device', () => {
    expect(devicePlan(catalog as unknown as RulesDocument).rare).toBe(false)
  })

  it('are needed for a rare operation, aggregation or kind on the device', () => {
    const when = { '>': [{ var: 'metrics.m' }, 1] }
    expect(devicePlan(doc('count', { when })).rare).toBe(false)
    expect(devicePlan(doc('distinct', { when })).rare).toBe(true)
    expect(
      devicePlan(
        doc('count', { tiers: { of: { var: 'metrics.m' }, cuts: [1], labels: ['a', 'b'] } }),
      ).rare,
    ).toBe(true)
    expect(devicePlan(doc('count', { value: { cat: ['n', { var: 'metrics.m' }] } })).rare).toBe(
      true,
    )
    // Deep inside an expression, and in a metric's filter.
    expect(
      devicePlan(doc('count', { when: { and: [true, { '!': { missing: ['metrics.m'] } }] } })).rare,
    ).toBe(true)
    const filtered = doc('count', { when })
    filtered.metrics.m!.events!.where = { in: ['a', { merge: [['a'], ['b']] }] }
    expect(devicePlan(filtered).rare).toBe(true)
  })

  it('are not needed for edge tags, whatever they use', () => {
    const edge = doc('count', { when: { some: [[1], { var: 'traits.x' }] } }) as RulesDocument
    edge.metrics.m!.window = '30d'
    edge.tags.t = { tiers: { of: { var: 'metrics.m' }, cuts: [1], labels: ['a', 'b'] } }
    expect(devicePlan(edge).tags[0]!.evaluatedOn).toBe('edge')
    expect(devicePlan(edge).rare).toBe(false)
  })
})
