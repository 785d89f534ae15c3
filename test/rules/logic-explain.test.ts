import { describe, expect, it } from 'vitest'
import { compileLogic, explainLogic } from '../../rules/edge/logic.ts'

const literal = (value: unknown) => ({ op: 'literal', value, args: [] })

describe('explainLogic', () => {
  it('records the value of every evaluated node', () => {
    const rule = { '>=': [{ var: 'metrics.orders' }, 3] }
    expect(explainLogic(rule, { metrics: { orders: 4 } })).toEqual({
      op: '>=',
      value: true,
      args: [{ op: 'var', value: 4, args: [literal('metrics.orders')] }, literal(3)],
    })
  })

  it('marks the nodes that short-circuiting skipped', () => {
    const tree = explainLogic({ and: [false, { var: 'x' }] }, { x: 1 })
    expect(tree).toEqual({
      op: 'and',
      value: false,
      args: [
        literal(false),
        { op: 'var', skipped: true, args: [{ ...literal('x'), skipped: true }] },
      ],
    })
    const branches = explainLogic({ if: [{ var: 'x' }, 'yes', 'no'] }, { x: 0 })
    expect(branches.args.map((node) => node.skipped ?? false)).toEqual([false, true, false])
    expect(branches.value).toBe('no')
  })

  it('records an error on the failing node and on every operation it failed', () => {
    const tree = explainLogic({ or: [false, { '+': [1, { var: 'name' }] }, true] }, { name: 'Ann' })
    expect(tree.error).toBe('"+" needs numbers, got "Ann"')
    expect(tree.value).toBeUndefined()
    expect(tree.args[1]).toMatchObject({ op: '+', error: tree.error })
    expect(tree.args[1]!.args[1]).toMatchObject({ op: 'var', value: 'Ann' })
    expect(tree.args[2]).toMatchObject({ skipped: true })
  })

  it('explains arrays with expressions inside, and invalid arguments', () => {
    expect(explainLogic([1, { var: 'x' }], { x: 2 })).toMatchObject({ op: 'array', value: [1, 2] })
    expect(explainLogic({ and: true }, null)).toEqual({
      op: 'and',
      error: '"and" needs an array of arguments',
      args: [{ ...literal(true), skipped: true }],
    })
  })

  it('returns an error node for an unknown operation instead of throwing', () => {
    expect(explainLogic({ nope: [1] }, null)).toMatchObject({
      op: 'nope',
      error: 'unknown operation "nope"',
    })
  })

  it('shows the last item for the per-item expression of an iteration', () => {
    const tree = explainLogic(
      { map: [{ var: 'xs' }, { '*': [{ var: '' }, 2] }] },
      { xs: [1, 2, 3] },
    )
    expect(tree.value).toEqual([2, 4, 6])
    expect(tree.args[1]).toMatchObject({ op: '*', value: 6 })
  })

  it('gives the same value as the compiled expression', () => {
    const rule = {
      cat: [{ substr: [{ var: 'name' }, 0, 1] }, '-', { max: [{ var: 'a' }, { days: 1 }] }],
    }
    const data = { name: 'Ann', a: 1 }
    expect(explainLogic(rule, data).value).toBe(compileLogic(rule)(data))
  })
})
