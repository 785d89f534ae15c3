// Which data paths a JsonLogic expression reads, found statically (used to find the metrics and
// tags a tag depends on).
import { argumentList, operationOf } from './operation.ts'

/**
 * The literal data paths an expression reads in its top-level data: every `var` path and every key
 * of `missing` / `missing_some`, in order of appearance, without duplicates. The per-item
 * expression of `map`, `filter`, `reduce`, `all`, `some` and `none` reads the item, not the data,
 * so its paths are not listed (their array argument and `reduce`'s initial value are).
 * `dynamic` is `true` when some path is computed (`{"var": {"cat": [...]}}`) or the whole data is
 * read (`{"var": ""}`), so the paths may not be all that the expression reads.
 *
 * @example
 * logicVars({ and: [{ var: 'metrics.orders' }, { some: [{ var: 'traits.tags' }, { var: 'x' }] }] })
 * // { paths: ['metrics.orders', 'traits.tags'], dynamic: false }
 */
export function logicVars(rule: unknown): { paths: string[]; dynamic: boolean } {
  const paths = new Set<string>()
  let dynamic = false

  const key = (path: unknown): void => {
    if (path === undefined || path === null || path === '') dynamic = true
    else if (typeof path === 'string' || typeof path === 'number' || typeof path === 'boolean') {
      paths.add(String(path))
    } else {
      dynamic = true
      visit(path)
    }
  }

  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit)
    const op = operationOf(node)
    if (op === undefined) return
    const args = argumentList((node as Record<string, unknown>)[op])
    switch (op) {
      case 'var':
        key(args[0])
        return args.slice(1).forEach(visit)
      case 'missing':
        if (!Array.isArray(args[0])) return args.forEach(key)
        args[0].forEach(key)
        return args.slice(1).forEach(visit)
      case 'missing_some':
        visit(args[0])
        return argumentList(args[1]).forEach(key)
      case 'map':
      case 'filter':
      case 'all':
      case 'some':
      case 'none':
        return visit(args[0])
      case 'reduce':
        visit(args[0])
        return visit(args[2])
      default:
        return args.forEach(visit)
    }
  }

  visit(rule)
  return { paths: [...paths], dynamic }
}
