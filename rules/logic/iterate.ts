// The iterating operations: `map`, `filter`, `reduce`, `all`, `some`, `none`. Their per-item
// expression is evaluated with the item as data (`reduce`: `{ current, accumulator }`).
import { invalidArguments } from './logic-error.ts'
import { operationOf } from './operation.ts'
import type { Operation } from './operation.ts'
import { truthy } from './values.ts'

type Iteration = 'map' | 'filter' | 'reduce' | 'all' | 'some' | 'none'

/**
 * An iterating operation. `map`/`filter`/`reduce` treat a value that is not an array as empty;
 * `all`/`some`/`none` throw `Invalid Arguments` for it (`all` of an empty array is `false`).
 */
export function iterator(op: Iteration): Operation {
  const tests = op === 'all' || op === 'some' || op === 'none'
  return {
    array: true,
    check: (args) =>
      args.length < 2 ||
      (!Array.isArray(args[0]) && operationOf(args[0]) === undefined) ||
      (!tests && args[1] === null)
        ? 'an array and an expression for each item'
        : undefined,
    lazy: (args, data) => {
      const value = args[0]!(data)
      if (tests && !Array.isArray(value)) throw invalidArguments(op, 'an array')
      const list: readonly unknown[] = Array.isArray(value) ? value : []
      const body = args[1]!
      const holds = (item: unknown) => truthy(body(item))
      switch (op) {
        case 'reduce': {
          let accumulator = args.length > 2 ? args[2]!(data) : null
          for (const current of list) accumulator = body({ current, accumulator })
          return accumulator
        }
        case 'map':
          return list.map((item) => body(item))
        case 'filter':
          return list.filter(holds)
        case 'all':
          return list.length > 0 && list.every(holds)
        case 'some':
          return list.some(holds)
        default:
          return !list.some(holds)
      }
    },
  }
}
