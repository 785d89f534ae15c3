import { describe, expect, it } from 'vitest'
import { compileLogic } from '../../rules/edge/logic.ts'

// Slots: the engine lays metric and tag values out in an array and compiles `var` reads of them
// into array reads. Results must be exactly those of reading the objects.
const slot = (path: string) => ({ 'metrics.a': 0, 'metrics.b': 1, 'tags.t': 2 })[path]
const data = (a: unknown, b: unknown, t: unknown) => ({
  metrics: { a, b },
  tags: { t },
  traits: { plan: 'pro' },
  items: [{ metrics: { a: 'item' } }],
  v: [a, b, t],
})

const rules: unknown[] = [
  { var: 'metrics.a' },
  { var: ['metrics.a', 'fallback'] },
  { '>': [{ var: 'metrics.a' }, 3] },
  { '<=': [{ var: 'metrics.a' }, '5'] },
  { '==': [{ var: 'metrics.a' }, 'x'] },
  { '===': [{ var: 'metrics.a' }, null] },
  { '!==': [{ var: 'tags.t' }, null] },
  { and: [{ '>': [{ var: 'metrics.a' }, 1] }, { var: 'metrics.b' }] },
  { '+': [{ var: 'metrics.a' }, { var: 'metrics.b' }] },
  { map: [{ var: 'items' }, { var: 'metrics.a' }] },
  { cat: [{ var: 'traits.plan' }, { var: 'tags.t' }] },
  { cat: ['R', { var: 'metrics.a' }, 1, null, [2, 3]] },
  { '!': [{ var: 'metrics.a' }] },
  { '!!': [{ var: 'tags.t' }] },
  { in: [{ var: 'metrics.a' }, [4, 'x', null, '7']] },
  { in: [{ var: 'metrics.a' }, 'x7'] },
  { if: [{ var: 'metrics.a' }, 'yes', { var: 'metrics.b' }, { var: 'tags.t' }, 'no'] },
  { if: [{ '>': [{ var: 'metrics.a' }, 1] }, { var: 'metrics.b' }, 'no'] },
  { and: [{ '!==': [{ var: 'metrics.a' }, null] }, { '>': [{ var: 'metrics.a' }, 3] }] },
  { and: [{ '!==': [{ var: 'metrics.a' }, null] }, { '<=': [{ var: 'metrics.b' }, 3] }] },
  { or: [{ '>=': [{ var: 'metrics.a' }, 3] }, { '===': [{ var: 'metrics.b' }, 0] }] },
  { and: [{ '<': [{ var: 'metrics.a' }, '5'] }, { '!=': [{ var: 'tags.t' }, 'x'] }] },
  { or: [{ '==': [{ var: 'metrics.a' }, 'x'] }, { '>': [{ var: 'tags.t' }, 0] }] },
]
const values: [unknown, unknown, unknown][] = [
  [4, 1, 'x'],
  [null, 0, null],
  ['7', 'x', true],
  ['x', [1], 0],
]

describe('compileLogic with slots', () => {
  it.each(rules.map((r) => [JSON.stringify(r), r]))(
    '%s reads the same through slots',
    (_, rule) => {
      const plain = compileLogic(rule)
      const slotted = compileLogic(rule, { slot })
      for (const [a, b, t] of values) {
        const d = data(a, b, t)
        let expected: unknown
        let error: unknown
        try {
          expected = plain(d)
        } catch (e) {
          error = e
        }
        if (error) expect(() => slotted(d)).toThrow((error as Error).message)
        else expect(slotted(d)).toEqual(expected)
      }
    },
  )

  it('never uses slots inside the per-item expression of map/filter/reduce', () => {
    const rule = { map: [{ var: 'items' }, { var: 'metrics.a' }] }
    expect(compileLogic(rule, { slot })(data(1, 2, 3))).toEqual(['item'])
  })
})
