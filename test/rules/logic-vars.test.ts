import { describe, expect, it } from 'vitest'
import { logicVars } from '../../rules/logic/logic-vars.ts'

describe('logicVars', () => {
  it('lists literal var paths once, in order of appearance', () => {
    const rule = {
      and: [
        { '>=': [{ var: 'metrics.orders' }, 3] },
        { '==': [{ var: ['tags.tier', 'none'] }, { var: 'metrics.orders' }] },
        { var: 1 },
      ],
    }
    expect(logicVars(rule)).toEqual({ paths: ['metrics.orders', 'tags.tier', '1'], dynamic: false })
  })

  it('reads the array of an iteration but not its per-item expression', () => {
    const rule = {
      or: [
        { some: [{ var: 'traits.interests' }, { '==': [{ var: 'name' }, 'visa'] }] },
        {
          reduce: [{ var: 'metrics.xs' }, { '+': [{ var: 'current' }, 1] }, { var: 'metrics.x0' }],
        },
        { map: [{ filter: [{ var: 'traits.list' }, { var: 'ok' }] }, { var: 'y' }] },
      ],
    }
    expect(logicVars(rule)).toEqual({
      paths: ['traits.interests', 'metrics.xs', 'metrics.x0', 'traits.list'],
      dynamic: false,
    })
  })

  it('counts the keys of missing and missing_some', () => {
    expect(logicVars({ missing: ['traits.email', 'traits.phone'] }).paths).toEqual([
      'traits.email',
      'traits.phone',
    ])
    expect(logicVars({ missing: [['a', 'b']] }).paths).toEqual(['a', 'b'])
    expect(logicVars({ missing: 'a' }).paths).toEqual(['a'])
    expect(logicVars({ missing_some: [1, ['a', 'b']] }).paths).toEqual(['a', 'b'])
  })

  it('flags computed paths and reads of the whole data as dynamic', () => {
    expect(logicVars({ var: { cat: ['metrics.', { var: 'traits.metric' }] } })).toEqual({
      paths: ['traits.metric'],
      dynamic: true,
    })
    expect(logicVars({ var: '' }).dynamic).toBe(true)
    expect(logicVars({ var: [] }).dynamic).toBe(true)
    expect(logicVars({ missing: { merge: ['vin', { var: 'extra' }] } })).toEqual({
      paths: ['extra'],
      dynamic: true,
    })
  })

  it('is not dynamic for a per-item read of the whole item', () => {
    expect(logicVars({ all: [{ var: 'xs' }, { '>': [{ var: '' }, 0] }] }).dynamic).toBe(false)
  })
})
