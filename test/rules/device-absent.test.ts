// The device engine without a feature a lazy chunk would have brought (`loadDeviceRules` with
// `absent`, from the plan's `needsRare`): the metrics and tags that need it are left out, and a
// state saved that way restores under the full features with those metrics starting afresh,
// never with what was counted wrongly or not at all.
import { describe, expect, it } from 'vitest'
import { devicePlan, type RulesDocument } from '../../rules/index.ts'
import { DEVICE_FEATURES, loadDeviceRules } from '../../rules/device/index.ts'
import { features as WITH_RARE } from '../../rules/device/rare-chunk.ts'

const DOC: RulesDocument = {
  version: 1,
  metrics: {
    views: { events: { event: 'Viewed' }, agg: 'count', window: 'session' },
    // A rare operation in `where`: without it every event would fail to match, and count 0.
    long_names: {
      events: {
        event: 'Viewed',
        where: { '>': [{ substr: [{ var: 'properties.name' }, 3] }, ''] },
      },
      agg: 'count',
      window: 'session',
    },
    priciest: {
      events: { event: 'Viewed' },
      agg: 'max',
      field: 'properties.price',
      window: 'session',
    },
  },
  tags: {
    viewer: { when: { '>=': [{ var: 'metrics.views' }, 1] } },
    no_long_names: { when: { '===': [{ var: 'metrics.long_names' }, 0] } },
    cheap: { when: { '<': [{ var: 'metrics.priciest' }, 100] } },
    cheap_viewer: { when: { and: [{ var: 'tags.viewer' }, { var: 'tags.cheap' }] } },
    shouting: { when: { '===': [{ cat: [{ var: 'metrics.views' }, '!'] }, '1!'] } },
  },
}

const viewed = (name: string, price: number, i: number) => ({
  type: 'track' as const,
  event: 'Viewed',
  anonymousId: 'a',
  messageId: `m${i}`,
  timestamp: new Date(Date.UTC(2025, 2, 1, 10, 0, i)).toISOString(),
  properties: { name, price },
})
const NOW = Date.UTC(2025, 2, 1, 10, 1)

describe('the device engine without the rare features', () => {
  const plan = devicePlan(DOC)

  it('is told by the plan what needs them, through the metrics and tags a tag reads', () => {
    expect(plan.needsRare).toEqual({
      metrics: ['long_names', 'priciest'],
      tags: ['no_long_names', 'cheap', 'cheap_viewer', 'shouting'],
    })
  })

  it('evaluates the rest, and those stay absent instead of taking a wrong value', () => {
    const rules = loadDeviceRules(DOC, plan, DEVICE_FEATURES, plan.needsRare)
    const state = rules.createState()
    state.ingest(viewed('boots', 20, 1))
    expect(state.evaluate(NOW, {}).tags).toEqual({ viewer: true })
  })

  it('saves a state that the full features restore, the left-out metrics afresh', () => {
    const degraded = loadDeviceRules(DOC, plan, DEVICE_FEATURES, plan.needsRare).createState()
    degraded.ingest(viewed('boots', 500, 1))
    const full = loadDeviceRules(DOC, plan, WITH_RARE).createState(degraded.snapshot())
    full.ingest(viewed('sandals', 20, 2))
    const { tags, metrics } = full.evaluate(NOW, {})
    expect(metrics).toMatchObject({ views: 2, long_names: 1, priciest: 20 })
    expect(tags).toEqual({ viewer: true, cheap: true, cheap_viewer: true })
  })
})
