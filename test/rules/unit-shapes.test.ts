// How the edge finds when time units flip (rules/tags/unit-shapes.ts): which units compare one
// time-growing value with constants (their flips are computed), which only change where others
// flip, and which are searched by evaluating them. Exactness and tightness of the resulting
// `nextChangeAt` are property tests (property.test.ts (e), (e′), (g), device.test.ts).
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { RulesDocument } from '../../rules/index.ts'
import { compileEdgeLogic } from '../../rules/edge/logic.ts'
import { analyzeTags } from '../../rules/tags/references.ts'
import { timeUnitRules } from '../../rules/tags/time-unit-rules.ts'
import { unitShapes } from '../../rules/tags/unit-shapes.ts'
import { CONTINUOUS_AGGREGATIONS } from '../../rules/document/document.ts'

function shapesOf(document: RulesDocument) {
  const facts = Object.fromEntries(
    Object.entries(document.metrics).map(([id, m]) => [id, { window: m.window, agg: m.agg }]),
  )
  const analysis = analyzeTags(document.tags, facts, [])
  const continuous = new Set(
    Object.entries(document.metrics)
      .filter(([, m]) => CONTINUOUS_AGGREGATIONS.has(m.agg))
      .map(([id]) => id),
  )
  const units = timeUnitRules(analysis, document.tags, continuous)
  const shapes = unitShapes(units, analysis, document.tags, continuous, compileEdgeLogic)
  return units.map((unit, i) => ({ ...unit, shape: shapes[i] }))
}

const doc = (tags: Record<string, unknown>): RulesDocument =>
  ({
    version: 1,
    metrics: {
      since: { events: { event: 'Order Completed' }, agg: 'since_last', window: 'lifetime' },
      orders: { events: { event: 'Order Completed' }, agg: 'count', window: '30d' },
    },
    tags,
  }) as unknown as RulesDocument

const since = { var: 'metrics.since' }

describe('unit shapes', () => {
  it('the example catalog needs no search by evaluation: every unit is a threshold or steady', () => {
    const catalog = JSON.parse(readFileSync('examples/rules/catalog.json', 'utf8')) as RulesDocument
    const units = shapesOf(catalog)
    expect(units.length).toBeGreaterThan(0)
    expect(units.filter((unit) => unit.shape === undefined)).toEqual([])
  })

  it('comparisons with constants are thresholds, with every bound as a number', () => {
    const units = shapesOf(
      doc({
        churned: { when: { '>': [since, { days: 90 }] } },
        between: { when: { '<': [{ days: 1 }, since, { days: 7 }] } },
        fresh: { when: { '!': since } },
        loose: { when: { '>=': [since, '60000'] } },
        guard: { when: { '!==': [since, null] } },
        late: { when: { '>': [{ var: 'now' }, 1_700_000_000_000] } },
      }),
    )
    const shape = (tag: string) => units.find((unit) => unit.tag === tag && unit.rule)?.shape
    expect(shape('churned')).toEqual({
      kind: 'threshold',
      path: 'metrics.since',
      bounds: [90 * 86_400_000],
    })
    expect(shape('between')).toEqual({
      kind: 'threshold',
      path: 'metrics.since',
      bounds: [86_400_000, 7 * 86_400_000],
    })
    expect(shape('fresh')).toEqual({ kind: 'threshold', path: 'metrics.since', bounds: [0] })
    expect(shape('loose')).toEqual({ kind: 'threshold', path: 'metrics.since', bounds: [60_000] })
    // Strictly, a number never equals null: the result holds while the value stays a number.
    expect(shape('guard')).toEqual({ kind: 'threshold', path: 'metrics.since', bounds: [] })
    expect(shape('late')).toEqual({ kind: 'threshold', path: 'now', bounds: [1_700_000_000_000] })
    // Each of these tags' values is steady between its thresholds' flips.
    for (const unit of units.filter((unit) => unit.rule === undefined))
      expect(unit.shape).toEqual({ kind: 'steady' })
  })

  it('values that move between flips, and comparisons it cannot analyse, are searched', () => {
    const units = shapesOf(
      doc({
        // The metric itself as the value: it changes every millisecond.
        age: { value: { if: [{ '>': [since, 1000] }, since, null] } },
        // Arithmetic on the value, and a bound read from the data.
        scaled: { when: { '>': [{ '*': [since, 2] }, 1000] } },
        traited: { when: { '>': [since, { var: 'traits.limit' }] } },
        // Reads a tag whose value moves.
        reader: { when: { '!!': [{ var: 'tags.age' }] } },
      }),
    )
    const shapes = (tag: string) => units.filter((unit) => unit.tag === tag).map((u) => u.shape)
    expect(shapes('age')).toEqual([
      { kind: 'threshold', path: 'metrics.since', bounds: [1000] },
      undefined,
    ])
    // Their tags' values are then searched too: only threshold units make a value steady.
    expect(shapes('scaled')).toEqual([undefined, undefined])
    expect(shapes('traited')).toEqual([undefined, undefined])
    expect(shapes('reader')).toEqual([undefined, undefined])
  })
})
