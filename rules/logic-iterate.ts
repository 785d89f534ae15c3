// The iterating operations: `map`, `filter`, `reduce`, `all`, `some`, `none`. Their per-item
// expression is evaluated with the item as data (`reduce`: `{ current, accumulator }`).
import { invalidArguments } from './logic-error.ts'
import { operationOf } from './logic-operation.ts'
import type { Evaluate, Lazy, Operation } from './logic-operation.ts'
import { truthy } from './logic-values.ts'

type Iteration = 'map' | 'filter' | 'reduce' | 'all' | 'some' | 'none'

function items(
  op: Iteration,
  args: readonly Evaluate[],
  data: unknown,
): readonly unknown[] | undefined {
  const list = args[0]!(data)
  if (Array.isArray(list)) return list
  if (op === 'all' || op === 'some' || op === 'none') throw invalidArguments(op, 'an array to test')
  return undefined
}

function iterate(op: Iteration): Lazy {
  return (args, data) => {
    const list = items(op, args, data)
    const body = args[1]!
    if (op === 'reduce') {
      let accumulator = args.length > 2 ? args[2]!(data) : null
      for (const current of list ?? []) accumulator = body({ current, accumulator })
      return accumulator
    }
    if (op === 'map') return list === undefined ? [] : list.map((item) => body(item))
    if (op === 'filter') return list === undefined ? [] : list.filter((item) => truthy(body(item)))
    const found = list!.some((item) => truthy(body(item)) === (op !== 'all'))
    return op === 'all' ? list!.length > 0 && !found : op === 'some' ? found : !found
  }
}

function iteratorCheck(bodyRequired: boolean): (args: readonly unknown[]) => string | undefined {
  return (args) => {
    const needs = 'an array (or an expression giving one) and an expression for each item'
    if (args.length < 2) return needs
    if (!Array.isArray(args[0]) && operationOf(args[0]) === undefined) return needs
    return bodyRequired && args[1] === null ? needs : undefined
  }
}

/**
 * An iterating operation. `map`/`filter`/`reduce` treat a value that is not an array as empty;
 * `all`/`some`/`none` throw `Invalid Arguments` for it (`all` of an empty array is `false`).
 */
export function iterator(op: Iteration): Operation {
  return {
    array: true,
    check: iteratorCheck(op === 'map' || op === 'filter' || op === 'reduce'),
    lazy: iterate(op),
  }
}
