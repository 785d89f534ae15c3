// @vitest-environment happy-dom
// `tw.explain()` on the device: the explainer loads with the rare features (rules/device/rare-names.ts), the
// first time a tag is explained, and explains rare operations too.
import 'fake-indexeddb/auto'
import { describe, expect, it, vi } from 'vitest'
import { fakeCollector, start } from './harness.ts'
import { RARE_DOC, view } from '../support/rare-rules.ts'

const loads = vi.hoisted(() => ({ count: 0 }))
vi.mock('../../rules/device/rare-chunk.ts', async (original) => {
  loads.count++
  return original()
})

describe('explain on the device', () => {
  it('loads with the first explanation, which shows rare operations too', async () => {
    const tw = start(fakeCollector(), { autoPage: false })
    await tw.ready
    tw.track('Coupon Claimed', { coupon_id: 'c' })
    expect(loads.count).toBe(0)
    const why = await tw.explain('coupon_claimer')
    expect(why).toMatchObject({ value: true, evaluatedOn: 'device' })
    expect(why?.parts[0]?.tree).toMatchObject({ value: true })
    expect(loads.count).toBe(1)
    expect(await tw.explain('lifecycle_stage')).toMatchObject({ evaluatedOn: 'edge', value: null })

    const rare = start(fakeCollector(), { rules: RARE_DOC, autoPage: false })
    await rare.ready
    for (const category of ['a', 'b', 'c']) rare.track('Product Viewed', view(category, 1))
    const picky = await rare.explain('picky')
    expect(picky).toMatchObject({ value: true, metrics: { categories: 3 } })
    expect(picky?.error).toBeUndefined()
    expect(picky?.parts[0]?.tree).toMatchObject({ op: 'some', value: true })
  })
})
