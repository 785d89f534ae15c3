/** One call of a prepared statement's method that runs it, as {@link interceptD1} sees it. */
export interface StatementCall {
  sql: string
  /** The values bound last (none before `bind`). */
  values: readonly unknown[]
  method: 'run' | 'all' | 'first' | 'raw'
  /** The real statement, bound. */
  statement: D1PreparedStatement
}

const RUNS: ReadonlySet<unknown> = new Set(['run', 'all', 'first', 'raw'])
const runs = (key: string | symbol): key is StatementCall['method'] => RUNS.has(key)

/**
 * `real`, with every call that runs one of its prepared statements passed to `around`, which
 * runs it (`proceed`) when and as often as it likes: held until a gate opens, counted, measured.
 * Other methods, and `batch`, are the real ones.
 */
export function interceptD1(
  real: D1Database,
  around: (call: StatementCall, proceed: () => Promise<unknown>) => Promise<unknown>,
): D1Database {
  const wrap = (
    statement: D1PreparedStatement,
    sql: string,
    values: readonly unknown[],
  ): D1PreparedStatement =>
    new Proxy(statement, {
      get(target, key) {
        if (key === 'bind') return (...bound: unknown[]) => wrap(target.bind(...bound), sql, bound)
        const value: unknown = Reflect.get(target, key)
        if (typeof value !== 'function') return value
        if (!runs(key)) return value.bind(target)
        return (...args: unknown[]) =>
          around({ sql, values, method: key, statement: target }, async () =>
            Reflect.apply(value, target, args),
          )
      },
    })
  return new Proxy(real, {
    get(target, key) {
      if (key === 'prepare') return (sql: string) => wrap(target.prepare(sql), sql, [])
      const value: unknown = Reflect.get(target, key)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}
