// @vitest-environment happy-dom
// The rare features (rules/device/rare-names.ts) in the SDK: the device engine starts without them
// (DEVICE_FEATURES); their chunk loads only for a document that uses one, before the document is
// compiled, and then they work as on the edge.
import 'fake-indexeddb/auto'
import { describe, expect, it, vi } from 'vitest'
import { DEVICE_FEATURES } from '../../rules/device/index.ts'
import { devicePlan, type DevicePlan } from '../../rules/index.ts'
import { fakeCollector, start } from './harness.ts'
import { RARE_DOC, view } from '../support/rare-rules.ts'

const loads = vi.hoisted(() => ({ count: 0 }))
vi.mock('../../rules/device/rare-chunk.ts', async (original) => {
  loads.count++
  return original()
})

describe('rare features in the browser builds', () => {
  it('starts with a device engine that leaves them out', () => {
    expect(DEVICE_FEATURES.operations.map).toBeUndefined()
    expect(DEVICE_FEATURES.operations['==']).toBeDefined()
  })

  it('does not load them for a document that uses none (the example catalog)', async () => {
    const tw = start(fakeCollector())
    await tw.ready
    tw.track('Coupon Claimed', { coupon_id: 'c' })
    expect(tw.has('coupon_claimer')).toBe(true)
    expect(loads.count).toBe(0)
    expect(DEVICE_FEATURES.operations.map).toBeUndefined()
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
    expect((await tw.explain('keen'))?.parts[0]?.tree.value).toBeCloseTo(0.8808, 4)

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
