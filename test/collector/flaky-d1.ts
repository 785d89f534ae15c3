/** Which D1 calls fail: `fail(n)` is asked for the n-th call (from 1) of a flaky binding. */
export type FailWhen = (call: number) => boolean

/** The figures of a flaky binding. */
export interface FlakyD1 {
  db: D1Database
  calls: number
  failed: number
  /** While false every call goes through (the outage is over). */
  state: { on: boolean }
}

const RUNS = new Set(['run', 'all', 'first', 'raw'])

/**
 * Wraps a D1 binding so that the calls `fail` picks reject, as a D1 outage or an overloaded
 * database does (`D1_ERROR`), before reaching the database: statements (`run`, `all`, `first`,
 * `raw`), `batch` (as a whole, as D1 does) and `exec` count as calls. The statements it prepares
 * are the real ones behind a proxy, so the real `batch` gets them back unwrapped.
 */
export function flakyD1(real: D1Database, fail: FailWhen): FlakyD1 {
  const flaky: FlakyD1 = { db: real, calls: 0, failed: 0, state: { on: true } }
  const reals = new WeakMap<D1PreparedStatement, D1PreparedStatement>()
  const check = () => {
    if (!flaky.state.on) return
    flaky.calls++
    if (fail(flaky.calls)) {
      flaky.failed++
      throw new Error('D1_ERROR: injected fault (flaky-d1.ts)')
    }
  }
  const wrap = (statement: D1PreparedStatement): D1PreparedStatement => {
    const proxy = new Proxy(statement, {
      get(target, key) {
        if (key === 'bind') return (...values: unknown[]) => wrap(target.bind(...values))
        const value: unknown = Reflect.get(target, key)
        if (typeof key === 'string' && RUNS.has(key) && typeof value === 'function')
          return async (...args: unknown[]) => {
            check()
            return Reflect.apply(value, target, args)
          }
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
    reals.set(proxy, statement)
    return proxy
  }
  flaky.db = new Proxy(real, {
    get(target, key) {
      if (key === 'prepare') return (query: string) => wrap(target.prepare(query))
      if (key === 'batch')
        return async (statements: D1PreparedStatement[]) => {
          check()
          return target.batch(statements.map((s) => reals.get(s) ?? s))
        }
      if (key === 'exec')
        return async (query: string) => {
          check()
          return target.exec(query)
        }
      const value: unknown = Reflect.get(target, key)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  return flaky
}
