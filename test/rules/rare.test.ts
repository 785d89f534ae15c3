// The rare features (rules/device/rare-names.ts): the names `devicePlan` looks for are exactly the
// features the rare modules hold, and the plan says whether a document's device part needs them.
import { describe, expect, it } from 'vitest'
import { RARE_FOLDS } from '../../rules/aggregate/rare-folds.ts'
import { DEVICE_FEATURES } from '../../rules/device/features.ts'
import { RARE } from '../../rules/device/rare-names.ts'
import { DEVICE_FEATURES_WITH_RARE } from '../../rules/device/rare-features.ts'
import { LOGIC_OPERATIONS } from '../../rules/edge/logic.ts'
import { EDGE_FEATURES } from '../../rules/edge/features.ts'
import { devicePlan, type RulesDocument } from '../../rules/index.ts'
import { RARE_OPERATIONS } from '../../rules/logic/rare-operations.ts'
import { RARE_KINDS } from '../../rules/tags/rare-kinds.ts'
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
    expect(sorted(RARE.operations)).toEqual(sorted(Object.keys(RARE_OPERATIONS)))
    expect(sorted(RARE.aggregations)).toEqual(sorted(Object.keys(RARE_FOLDS)))
    expect(sorted(RARE.kinds)).toEqual(sorted(Object.keys(RARE_KINDS)))
    for (const op of RARE.operations) expect(LOGIC_OPERATIONS).toContain(op)
  })

  it('are left out of the device engine, and its rare chunk adds exactly them', () => {
    const names = (features: typeof DEVICE_FEATURES) => ({
      operations: sorted(Object.keys(features.operations)),
      folds: sorted(Object.keys(features.folds)),
      kinds: sorted(Object.keys(features.kinds)),
    })
    const device = names(DEVICE_FEATURES)
    for (const op of RARE.operations) expect(device.operations).not.toContain(op)
    for (const agg of RARE.aggregations) expect(device.folds).not.toContain(agg)
    for (const kind of RARE.kinds) expect(device.kinds).not.toContain(kind)
    // With the chunk, a device has everything the edge has.
    expect(names(DEVICE_FEATURES_WITH_RARE)).toEqual(names(EDGE_FEATURES))
    expect(DEVICE_FEATURES_WITH_RARE.operations.constructor).toBeUndefined()
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
