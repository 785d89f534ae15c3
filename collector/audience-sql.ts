// A `where` condition tree (audience-where.ts) as SQL over `tag_index`, with the engine's semantics:
// every condition is three-valued (1, 0, NULL when JsonLogic would throw), and `and`/`or`/`!` keep
// JsonLogic's left-to-right short-circuit, so an error stops a profile from matching exactly where
// the engine's evaluation would throw. Every tag name and value is a bound parameter; the SQL text
// only ever contains fixed fragments from this file.
import type { Condition, Leaf, Scalar, Truth } from './audience-where.ts'
import { engineNumber } from './audience-where.ts'
import { compileLogic, LogicError, truthy } from '../rules/index.ts'
import { fail } from './http-error.ts'

/** D1 binds at most 100 parameters per statement. */
export const MAX_PARAMETERS = 100
/** SQLite joins at most 64 tables; a query reads at most this many different tags. */
export const MAX_QUERY_TAGS = 32
/** D1 runs SQL statements of at most 100,000 bytes (the SQL text is ASCII: characters are bytes). */
export const MAX_SQL_LENGTH = 100_000
/** Distinct text values of one tag the engine judges when SQL cannot (see {@link textTags}). */
export const MAX_TEXT_VALUES = 10_000

/** SQL text with its parameters, for `D1Database.prepare(sql).bind(...params)`. */
export interface Statement {
  sql: string
  params: (string | number)[]
}

/** Numbered parameters (`?1`, `?2`, ...), one per distinct value. */
class Parameters {
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

const literal = (truth: Truth): string => (truth === null ? 'NULL' : String(truth))

// D1's SQLite allows expression trees 100 deep, 5 terms per compound SELECT and about 100
// arguments per function: and/or are flat coalesce() lists (nested per 50 arguments) rather than
// nested CASEs, and compound SELECTs are nested per 5 terms.
const MAX_ARGUMENTS = 50
const MAX_COMPOUND_TERMS = 5

/**
 * Three-valued `and`/`or` over `args` (1, 0 or NULL each), like JsonLogic: the first argument that
 * is not 1 (`and`) or not 0 (`or`) decides, an error (NULL) included; otherwise 1 (`and`) or 0
 * (`or`). Each argument maps to NULL ("go on") or its verdict, and coalesce() takes the first
 * verdict (-1 standing for an error until the end).
 */
function junction(kind: 'and' | 'or', args: string[]): string {
  const [go, stop] = kind === 'and' ? ['1', '0'] : ['0', '1']
  const decided: string[] = []
  for (const arg of args) {
    if (arg === go) continue
    decided.push(arg)
    // A constant verdict decides: later arguments are never reached.
    if (arg === stop || arg === 'NULL') break
  }
  if (!decided.length) return go
  if (decided.length === 1) return decided[0]!
  if (decided.length > MAX_ARGUMENTS) {
    const chunks: string[] = []
    for (let i = 0; i < decided.length; i += MAX_ARGUMENTS)
      chunks.push(junction(kind, decided.slice(i, i + MAX_ARGUMENTS)))
    return junction(kind, chunks)
  }
  const verdicts = decided.map((arg) =>
    arg === stop
      ? stop
      : arg === 'NULL'
        ? '-1'
        : `CASE ${arg} WHEN ${go} THEN NULL WHEN ${stop} THEN ${stop} ELSE -1 END`,
  )
  return `nullif(coalesce(${verdicts.join(', ')}, ${go}), -1)`
}
const and3 = (a: string, b: string) => junction('and', [a, b])
function not3(a: string): string {
  if (a === '1' || a === '0') return a === '1' ? '0' : '1'
  return a === 'NULL' ? a : `(1 - (${a}))`
}

/** Columns of one `tag_index` row: `value` (JSON text, NULL when absent) and `num`. */
interface Columns {
  value: string
  num: string
}

/** SQL for one class of values, with an index-friendly condition that holds wherever it is 1. */
interface Part {
  sql: string
  /** A condition on the row's columns the planner can use; `undefined`: none, scan the tag. */
  sarg?: string
}

/**
 * The leaf's verdict for a JSON string value: decided in SQL where equality is all it takes, else
 * looked up among the tag's distinct text values, each judged by the engine (`texts`).
 */
function textPart(
  leaf: Leaf,
  c: Columns,
  p: Parameters,
  texts: ReadonlyMap<string, readonly string[]>,
): Part {
  const direct = directText(leaf, c, p)
  if (direct) return direct
  const yes: string[] = []
  const error: string[] = []
  for (const text of texts.get(leaf.tag) ?? []) {
    const truth = leaf.truth(JSON.parse(text))
    if (truth === 1) yes.push(text)
    else if (truth === null) error.push(text)
  }
  const inSet = (set: string[]) =>
    `${c.value} IN (SELECT value FROM json_each(${p.bind(JSON.stringify(set))}))`
  if (!yes.length && !error.length) return { sql: '0' }
  const parts = [
    yes.length ? `WHEN ${inSet(yes)} THEN 1` : '',
    error.length ? `WHEN ${inSet(error)} THEN NULL` : '',
  ]
  return { sql: `CASE ${parts.join(' ')} ELSE 0 END`, sarg: yes.length ? inSet(yes) : '0' }
}

/** Text comparisons SQL decides exactly: truthiness, (in)equality with a string, a literal list. */
function directText(leaf: Leaf, c: Columns, p: Parameters): Part | undefined {
  const { test } = leaf
  const text = `(${c.value} >= '"' AND ${c.value} < '#')`
  if (test.kind === 'truthy') return { sql: `${c.value} <> '""'`, sarg: text }
  if (test.kind === 'in') {
    const strings = test.list
      .filter((item) => typeof item === 'string')
      .map((s) => JSON.stringify(s))
    if (!strings.length) return { sql: '0' }
    const sql = `${c.value} IN (SELECT value FROM json_each(${p.bind(JSON.stringify(strings))}))`
    return { sql, sarg: sql }
  }
  if (test.terms.length !== 2) return undefined
  const k = (test.terms.find((t) => 'literal' in t) as { literal: Scalar }).literal
  const equal = test.op === '==' || test.op === '==='
  if (!equal && test.op !== '!=' && test.op !== '!==') return undefined
  if (typeof k === 'string') {
    const sql = `${c.value} ${equal ? '=' : '<>'} ${p.bind(JSON.stringify(k))}`
    return { sql, sarg: equal ? sql : text }
  }
  // A string is never `===` a non-string, nor `==` null; the engine's verdict for any string holds.
  if (test.op === '===' || test.op === '!==' || k === null) {
    const truth = literal(leaf.truth(''))
    return { sql: truth, sarg: truth === '1' ? text : undefined }
  }
  return undefined
}

const SQL_OPERATOR: Record<string, string> = { '==': '=', '!=': '<>', '===': '=', '!==': '<>' }

/** The leaf's verdict for a JSON number, over the `num` column (JsonLogic compares numbers as numbers). */
function numberPart(leaf: Leaf, c: Columns, p: Parameters): Part {
  const { test } = leaf
  const numeric = `${c.num} IS NOT NULL`
  if (test.kind === 'truthy') return { sql: `${c.num} <> 0`, sarg: numeric }
  if (test.kind === 'in') {
    const numbers = test.list.filter((item) => typeof item === 'number')
    if (!numbers.length) return { sql: '0' }
    const sql = `${c.num} IN (SELECT value FROM json_each(${p.bind(JSON.stringify(numbers))}))`
    return { sql, sarg: sql }
  }
  const { op, terms } = test
  let sql = '1'
  const ranges: string[] = []
  for (let i = terms.length - 2; i >= 0; i--) {
    const [a, b] = [terms[i]!, terms[i + 1]!]
    let piece: string
    if ('literal' in a && 'literal' in b) {
      piece = literal(constant({ [op]: [a.literal, b.literal] }))
    } else {
      const k = 'literal' in a ? a.literal : (b as { literal: Scalar }).literal
      const sqlOp = SQL_OPERATOR[op] ?? op
      const y = op === '===' || op === '!==' ? (typeof k === 'number' ? k : null) : engineNumber(k)
      if (y === null) piece = op === '===' ? '0' : op === '!==' ? '1' : 'NULL'
      else {
        piece = 'literal' in a ? `${p.bind(y)} ${sqlOp} ${c.num}` : `${c.num} ${sqlOp} ${p.bind(y)}`
        if (sqlOp !== '<>') ranges.push(piece)
      }
    }
    sql = and3(piece, sql)
  }
  if (sql === '0' || sql === 'NULL') return { sql }
  return { sql, sarg: ranges.length ? ranges.join(' AND ') : numeric }
}

function constant(rule: unknown): Truth {
  try {
    return truthy(compileLogic(rule)(null)) ? 1 : 0
  } catch (error) {
    if (error instanceof LogicError) return null
    throw error
  }
}

/**
 * One leaf over a row's columns. Values are told apart by their JSON text (the index writes
 * `JSON.stringify`): absent, `true`, `false`, `null`, strings (`"…`), arrays (`[…`), objects
 * (`{…`), else numbers. Arrays and objects are judged by the engine through one representative
 * each (`[]`, `[0]`, `{}`): the supported tests see only whether they are empty (truthiness) —
 * comparisons always throw on them and literal lists never hold them.
 */
function leafParts(
  leaf: Leaf,
  c: Columns,
  p: Parameters,
  texts: ReadonlyMap<string, readonly string[]>,
): { sql: string; sarg: string | undefined; canError: boolean } {
  const v = c.value
  const classes: [string, Part][] = [
    [`${v} = 'true'`, { sql: literal(leaf.truth(true)), sarg: `${v} = 'true'` }],
    [`${v} = 'false'`, { sql: literal(leaf.truth(false)), sarg: `${v} = 'false'` }],
    [`${v} = 'null'`, { sql: literal(leaf.truth(null)), sarg: `${v} = 'null'` }],
    [`${v} >= '"' AND ${v} < '#'`, textPart(leaf, c, p, texts)],
    [`${v} = '[]'`, { sql: literal(leaf.truth([])), sarg: `${v} = '[]'` }],
    [
      `${v} >= '[' AND ${v} < '\\'`,
      { sql: literal(leaf.truth([0])), sarg: `(${v} >= '[' AND ${v} < '\\')` },
    ],
    [
      `${v} >= '{' AND ${v} < '|'`,
      { sql: literal(leaf.truth({})), sarg: `(${v} >= '{' AND ${v} < '|')` },
    ],
  ]
  const number = numberPart(leaf, c, p)
  const sql = `CASE WHEN ${v} IS NULL THEN ${literal(leaf.truth(undefined))} ${classes
    .map(([when, part]) => `WHEN ${when} THEN ${part.sql}`)
    .join(' ')} ELSE ${number.sql} END`
  // Where a present row can be true: the OR of each class's index condition.
  const possible = [...classes.map(([, part]) => part), number].filter(
    (part) => part.sql !== '0' && part.sql !== 'NULL',
  )
  const sarg = possible.every((part) => part.sarg !== undefined)
    ? possible.length
      ? possible.map((part) => `(${part.sarg})`).join(' OR ')
      : '0'
    : undefined
  // Parts are built from 1, 0, NULL and comparisons of non-NULL columns: NULL is the only error.
  const canError =
    leaf.truth(undefined) === null ||
    [...classes.map(([, part]) => part), number].some((part) => part.sql.includes('NULL'))
  return { sql, sarg, canError }
}

/** Tags whose text values the engine must judge (comparisons SQL cannot decide on text). */
export function textTags(condition: Condition): string[] {
  const tags = new Set<string>()
  const visit = (c: Condition) => {
    if (c.kind === 'leaf') {
      if (!directText(c.leaf, { value: 'v', num: 'n' }, new Parameters())) tags.add(c.leaf.tag)
    } else if (c.kind === 'and' || c.kind === 'or') c.args.forEach(visit)
    else if (c.kind === 'not') visit(c.arg)
  }
  visit(condition)
  return [...tags]
}

/** The distinct JSON string values of `tag` (at most {@link MAX_TEXT_VALUES} + 1). */
export const textValuesStatement = (tag: string): Statement => ({
  sql: `SELECT DISTINCT value FROM tag_index WHERE tag = ?1 AND value >= '"' AND value < '#' LIMIT ${MAX_TEXT_VALUES + 1}`,
  params: [tag],
})

/** The tags a condition reads, in order of appearance. */
function tagsOf(condition: Condition, into: string[] = []): string[] {
  if (condition.kind === 'leaf') {
    if (!into.includes(condition.leaf.tag)) into.push(condition.leaf.tag)
  } else if (condition.kind === 'and' || condition.kind === 'or')
    condition.args.forEach((arg) => tagsOf(arg, into))
  else if (condition.kind === 'not') tagsOf(condition.arg, into)
  return into
}

/**
 * Profiles that may match (`all`, `none` or a SELECT of `profile`); `exact` when they are exactly
 * the matches, so the query needs no further test; `canError` when the condition may throw.
 */
interface Candidates {
  sql: 'all' | 'none' | string
  exact: boolean
  canError: boolean
}

/**
 * A superset of the matching profiles that the indexes find: a leaf false for an absent tag can
 * only match profiles holding the tag (and its index condition); `and` intersects, `or` unites.
 * Negations and leaves true for absent tags need every profile. A leaf's set is exact (it applies
 * the leaf's full test), so is an intersection of exact sets; a union is exact when no part but
 * the last can throw (a throw ends JsonLogic's `or` before later parts are tried).
 */
function candidates(
  condition: Condition,
  p: Parameters,
  texts: ReadonlyMap<string, readonly string[]>,
): Candidates {
  switch (condition.kind) {
    case 'const':
      return {
        sql: condition.truth === 1 ? 'all' : 'none',
        exact: true,
        canError: condition.truth === null,
      }
    case 'not':
      return { sql: 'all', exact: false, canError: candidates(condition.arg, p, texts).canError }
    case 'leaf': {
      const { leaf } = condition
      const { sql, sarg, canError } = leafParts(leaf, { value: 'value', num: 'num' }, p, texts)
      if (leaf.truth(undefined) === 1) return { sql: 'all', exact: false, canError }
      if (sarg === '0') return { sql: 'none', exact: true, canError }
      const narrow = sarg === undefined ? '' : ` AND (${sarg})`
      return {
        sql: `SELECT profile FROM tag_index WHERE tag = ${p.bind(leaf.tag)}${narrow} AND (${sql}) = 1`,
        exact: true,
        canError,
      }
    }
    case 'and': {
      const parts = condition.args.map((arg) => candidates(arg, p, texts))
      const canError = parts.some((part) => part.canError)
      if (!parts.length || parts.some((part) => part.sql === 'none'))
        return { sql: 'none', exact: true, canError }
      const exact = parts.every((part) => part.exact)
      return { sql: compound(parts, 'all', 'INTERSECT'), exact, canError }
    }
    case 'or': {
      const parts = condition.args.map((arg) => candidates(arg, p, texts))
      const canError = parts.some((part) => part.canError)
      if (parts.some((part) => part.sql === 'all')) return { sql: 'all', exact: false, canError }
      const exact =
        parts.every((part) => part.exact) && parts.slice(0, -1).every((part) => !part.canError)
      return { sql: compound(parts, 'none', 'UNION'), exact, canError }
    }
  }
}

/**
 * The distinct sets of `parts` other than `neutral` combined with `operator` (`neutral` when none
 * are left), nested so that no compound SELECT has more than 5 terms.
 */
function compound(parts: Candidates[], neutral: 'all' | 'none', operator: string): string {
  let sets = [...new Set(parts.map((part) => part.sql).filter((sql) => sql !== neutral))]
  if (!sets.length) return neutral
  while (sets.length > 1) {
    const next: string[] = []
    for (let i = 0; i < sets.length; i += MAX_COMPOUND_TERMS) {
      const terms = sets.slice(i, i + MAX_COMPOUND_TERMS)
      next.push(
        terms.length === 1
          ? terms[0]!
          : terms.map((sql) => `SELECT profile FROM (${sql})`).join(` ${operator} `),
      )
    }
    sets = next
  }
  return sets[0]!
}

function expression(
  condition: Condition,
  alias: ReadonlyMap<string, string>,
  p: Parameters,
  texts: ReadonlyMap<string, readonly string[]>,
): string {
  switch (condition.kind) {
    case 'const':
      return literal(condition.truth)
    case 'not':
      return not3(expression(condition.arg, alias, p, texts))
    case 'leaf': {
      const t = alias.get(condition.leaf.tag)!
      return leafParts(condition.leaf, { value: `${t}.value`, num: `${t}.num` }, p, texts).sql
    }
    case 'and':
    case 'or': {
      // JsonLogic returns false for an empty `and`/`or`.
      const args = condition.args.map((arg) => expression(arg, alias, p, texts))
      return args.length ? junction(condition.kind, args) : '0'
    }
  }
}

/**
 * Renumbers the parameters the SQL uses, in order of appearance, and drops the others (a branch
 * folded away by a constant may have bound some): D1 wants exactly one value per parameter.
 */
function compact(sql: string, values: readonly (string | number)[]): Statement {
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

/**
 * Every known profile: the directory, and any the index holds that it does not (yet). Written as
 * UNION ALL of disjoint parts, the index part grouped in primary-key order, so that no temporary
 * B-tree of every index row is built (a plain UNION took about twice as long over 100k profiles).
 */
const EVERY_PROFILE = `SELECT id AS profile FROM profiles UNION ALL
  SELECT profile FROM tag_index i GROUP BY profile HAVING NOT EXISTS (SELECT 1 FROM profiles WHERE id = i.profile)`

/** The statements of one audience query, or `null` when nothing can match. */
export interface AudienceStatements {
  /** `{ n }`: every match. */
  count: Statement
  /**
   * `{ profile, tag, value }` rows of the page's profiles (`tag` NULL for a profile without tags),
   * by profile; with `n`, the count of every match, when `counted`.
   */
  page: Statement
  /**
   * The page also counts (one pass over the candidates, for queries that test each one): `count`
   * is then needed only for an empty page after a cursor.
   */
  counted: boolean
}

/**
 * The count and page statements for `condition`, given the judged text values of {@link textTags}.
 * A page holds the `limit + 1` first matching profiles after `after` (by id), with all their tags.
 */
export function audienceStatements(
  condition: Condition,
  texts: ReadonlyMap<string, readonly string[]>,
  page: { after?: string; limit: number },
): AudienceStatements | null {
  const tags = tagsOf(condition)
  if (tags.length > MAX_QUERY_TAGS)
    throw fail(
      400,
      `"where" reads ${tags.length} different tags; at most ${MAX_QUERY_TAGS} are allowed: split the query`,
    )
  const exact = candidates(condition, new Parameters(), texts).exact
  const build = (
    select: (from: string, where: string, p: Parameters) => string,
  ): Statement | null => {
    const p = new Parameters()
    const { sql: from } = candidates(condition, p, texts)
    if (from === 'none') return null
    // Exact candidates are the answer; otherwise each profile's tags are joined and tested.
    const alias = new Map(tags.map((tag, i) => [tag, `t${i}`]))
    const joins = exact
      ? ''
      : tags
          .map(
            (tag, i) =>
              ` LEFT JOIN tag_index t${i} ON t${i}.profile = c.profile AND t${i}.tag = ${p.bind(tag)}`,
          )
          .join('')
    const where = exact ? '1' : `(${expression(condition, alias, p, texts)}) = 1`
    const statement = compact(
      `WITH c(profile) AS (${from === 'all' ? EVERY_PROFILE : from}) ${select(`c${joins}`, where, p)}`,
      p.values,
    )
    if (statement.sql.length > MAX_SQL_LENGTH)
      throw fail(
        400,
        `"where" compiles to ${statement.sql.length} characters of SQL; at most ${MAX_SQL_LENGTH} fit in one query: split it`,
      )
    if (statement.params.length > MAX_PARAMETERS)
      throw fail(
        400,
        `"where" needs ${statement.params.length} distinct values and tag names; at most ${MAX_PARAMETERS} fit in one query: split it`,
      )
    return statement
  }
  const count = build((from, where) => `SELECT count(*) AS n FROM ${from} WHERE ${where}`)
  if (!count) return null
  const tagsOfPage = ` LEFT JOIN tag_index t ON t.profile = m.profile ORDER BY m.profile, t.tag`
  const rows = build((from, where, p) => {
    const after = page.after === undefined ? '' : ` AND profile > ${p.bind(page.after)}`
    const limit = p.bind(page.limit + 1)
    // Exact candidates come from the indexes in profile order, so the page stops after `limit`
    // of them; tested candidates are all tested anyway, so the same pass counts them.
    if (exact)
      return (
        `, m(profile) AS (SELECT profile FROM ${from} WHERE ${where}${after} ORDER BY profile LIMIT ${limit})` +
        ` SELECT m.profile AS profile, t.tag AS tag, t.value AS value FROM m${tagsOfPage}`
      )
    return (
      `, matches(profile, n) AS (SELECT c.profile, count(*) OVER () FROM ${from} WHERE ${where}),` +
      ` m(profile, n) AS (SELECT profile, n FROM matches WHERE 1${after} ORDER BY profile LIMIT ${limit})` +
      ` SELECT m.profile AS profile, m.n AS n, t.tag AS tag, t.value AS value FROM m${tagsOfPage}`
    )
  })
  return { count, page: rows!, counted: !exact }
}
