import { describe, expect, it } from 'vitest'
import { validateLogic } from '../../rules/edge/logic.ts'

function nested(levels: number): unknown {
  let rule: unknown = true
  for (let i = 0; i < levels; i++) rule = { '!': rule }
  return rule
}

describe('validateLogic', () => {
  it('accepts a valid expression', () => {
    const rule = { and: [{ '>=': [{ var: 'metrics.orders' }, 3] }, { glob: ['/a/*', '/a/b'] }] }
    expect(validateLogic(rule, 'tags.vip.when')).toEqual([])
  })

  it('reports each unknown operation at its path, with the closest known name', () => {
    const rule = { and: [true, { var2: 'x' }, { '==': [{ frobnicate: 1 }, { day: 1 }] }] }
    expect(validateLogic(rule, 'tags.vip.when')).toEqual([
      {
        path: 'tags.vip.when.and[1].var2',
        message: 'unknown operation "var2" (did you mean "var"?)',
      },
      {
        path: 'tags.vip.when.and[2]["=="][0].frobnicate',
        message: 'unknown operation "frobnicate"',
      },
      {
        path: 'tags.vip.when.and[2]["=="][1].day',
        message: 'unknown operation "day" (did you mean "days"?)',
      },
    ])
  })

  it('does not report argument shapes that only fail at evaluation', () => {
    expect(validateLogic({ and: true }, 'when')).toEqual([])
    expect(validateLogic({ map: [null, { var: '' }] }, 'when')).toEqual([])
  })

  it('treats objects that are not single-key operations as values', () => {
    expect(validateLogic({ if: [true, { a: 1, b: { nope: 1 } }, {}] }, 'when')).toEqual([])
  })

  it('accepts 32 levels of nesting and rejects 33', () => {
    expect(validateLogic(nested(32), 'when')).toEqual([])
    expect(validateLogic(nested(33), 'when')).toEqual([
      { path: 'when', message: 'expression is nested 33 levels deep; the limit is 32' },
    ])
  })

  it('counts arrays as levels too', () => {
    let rule: unknown = 1
    for (let i = 0; i < 33; i++) rule = [rule]
    expect(validateLogic(rule, 'when')).toHaveLength(1)
  })

  it('accepts 2,000 nodes and rejects 2,001', () => {
    expect(validateLogic({ '+': Array(1_999).fill(1) }, 'when')).toEqual([])
    expect(validateLogic({ '+': Array(2_000).fill(1) }, 'when')).toEqual([
      { path: 'when', message: 'expression has 2001 nodes; the limit is 2000' },
    ])
  })

  it('reports each limit once, however far it is exceeded', () => {
    const problems = validateLogic({ and: [nested(40), nested(40), Array(3_000).fill(0)] }, 'when')
    expect(problems.map((problem) => problem.message)).toEqual([
      'expression is nested 41 levels deep; the limit is 32',
      'expression has 3084 nodes; the limit is 2000',
    ])
  })

  it('lists unknown operations within the depth limit, 20 at most, and counts the others', () => {
    // {"a": {"a": …}} 20,000 levels deep: an unknown operation at every level, each path one step
    // longer. Listing them all made `tagwise check` print 64 MB for 8,000 levels and run out of
    // memory at 100,000 (a 600 KB document).
    let rule: unknown = 1
    for (let i = 0; i < 20_000; i++) rule = { a: rule }
    const problems = validateLogic(rule, 'when')
    const listed = problems.slice(0, 20)
    expect(listed.map((problem) => problem.path)).toEqual(
      Array.from({ length: 20 }, (_, i) => `when${'.a'.repeat(i + 1)}`),
    )
    expect(problems.slice(20)).toEqual([
      { path: 'when', message: '19980 more unknown operations' },
      { path: 'when', message: 'expression is nested 20000 levels deep; the limit is 32' },
      { path: 'when', message: 'expression has 20001 nodes; the limit is 2000' },
    ])
  })

  it('does not list an unknown operation deeper than the limit (the depth problem covers it)', () => {
    let rule: unknown = { nope: 1 }
    for (let i = 0; i < 40; i++) rule = [rule]
    expect(validateLogic(rule, 'when').map((problem) => problem.message)).toEqual([
      '1 more unknown operation',
      'expression is nested 41 levels deep; the limit is 32',
    ])
  })

  it('survives input nested far beyond the call stack', () => {
    let rule: unknown = 1
    for (let i = 0; i < 200_000; i++) rule = [rule]
    expect(validateLogic(rule, 'when').map((problem) => problem.message)).toEqual([
      'expression is nested 200000 levels deep; the limit is 32',
      'expression has 200001 nodes; the limit is 2000',
    ])
  })
})
