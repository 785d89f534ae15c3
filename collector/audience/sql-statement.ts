// SQL text with numbered parameters, built from fixed fragments only: every value a query compares
// with, tag names included, is a parameter.

/** D1 binds at most 100 parameters per statement. */
export const MAX_PARAMETERS = 100

/** SQL text with its parameters, for `D1Database.prepare(sql).bind(...params)`. */
export interface Statement {
  sql: string
  params: (string | number)[]
}

/** Numbered parameters (`?1`, `?2`, ...), one per distinct value. */
export class Parameters {
  readonly values: (string | number)[] = []
  private readonly known = new Map<string, string>()
  bind(value: string | number): string {
    const key = `${typeof value}:${value}`
    let name = this.known.get(key)
    if (name === undefined) {
      this.values.push(value)
      name = `?${this.values.length}`
      this.known.set(key, name)
    }
    return name
  }
}

/**
 * Renumbers the parameters the SQL uses, in order of appearance, and drops the others (a branch
 * folded away by a constant may have bound some): D1 wants exactly one value per parameter.
 */
export function compact(sql: string, values: readonly (string | number)[]): Statement {
  const renumbered = new Map<number, number>()
  const params: (string | number)[] = []
  let out = ''
  let i = 0
  // The SQL text is built from fixed fragments only: every `?` is a parameter.
  for (let q = sql.indexOf('?'); q !== -1; q = sql.indexOf('?', i)) {
    let end = q + 1
    while (end < sql.length && sql.charCodeAt(end) >= 48 && sql.charCodeAt(end) <= 57) end++
    const old = Number(sql.slice(q + 1, end))
    let index = renumbered.get(old)
    if (index === undefined) {
      params.push(values[old - 1]!)
      renumbered.set(old, (index = params.length))
    }
    out += `${sql.slice(i, q)}?${index}`
    i = end
  }
  return { sql: out + sql.slice(i), params }
}
