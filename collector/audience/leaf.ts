// One leaf of a `where` (a test of one tag's value) as SQL over a `tag_index` row, decided per class
// of stored value with the engine's own verdicts where SQL cannot compute them.
import { compileLogic, LogicError, truthy } from '../../rules/index.ts'
import type { Condition, Leaf, Scalar, Truth } from './where.ts'
import { engineNumber } from './where.ts'
import { Parameters, type Statement } from './sql-statement.ts'
import { and3, literal } from './three-valued.ts'

/** Distinct text values of one tag the engine judges when SQL cannot (see {@link textTags}). */
export const MAX_TEXT_VALUES = 10_000

/** Columns of one `tag_index` row: `value` (JSON text, NULL when absent) and `num`. */
export interface Columns {
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
  const strings = yes.map((text) => JSON.parse(text) as string)
  return {
    sql: `CASE ${parts.join(' ')} ELSE 0 END`,
    sarg: yes.length ? textSeek(c, strings, inSet(yes)) : '0',
  }
}

/** Text comparisons SQL decides exactly: truthiness, (in)equality with a string, a literal list. */
function directText(leaf: Leaf, c: Columns, p: Parameters): Part | undefined {
  const { test } = leaf
  const text = `(${c.value} >= '"' AND ${c.value} < '#')`
  if (test.kind === 'truthy') return { sql: `${c.value} <> '""'`, sarg: text }
  if (test.kind === 'in') {
    const strings = test.list.filter((item) => typeof item === 'string')
    if (!strings.length) return { sql: '0' }
    const texts = strings.map((string) => JSON.stringify(string))
    const sql = `${c.value} IN (SELECT value FROM json_each(${p.bind(JSON.stringify(texts))}))`
    return { sql, sarg: textSeek(c, strings, sql) }
  }
  if (test.terms.length !== 2) return undefined
  const k = (test.terms.find((t) => 'literal' in t) as { literal: Scalar }).literal
  const equal = test.op === '==' || test.op === '==='
  if (!equal && test.op !== '!=' && test.op !== '!==') return undefined
  if (typeof k === 'string') {
    const sql = `${c.value} ${equal ? '=' : '<>'} ${p.bind(JSON.stringify(k))}`
    return { sql, sarg: equal ? textSeek(c, [k], sql) : text }
  }
  // A string is never `===` a non-string, nor `==` null; the engine's verdict for any string holds.
  if (test.op === '===' || test.op === '!==' || k === null) {
    const truth = literal(leaf.truth(''))
    return { sql: truth, sarg: truth === '1' ? text : undefined }
  }
  return undefined
}

/**
 * `condition` on text values, narrowed to rows without `num` when none of `strings` could have one:
 * the index writes `num` for JSON numbers only (tag-index.ts), but the queries also hold for an
 * index that fills it for numeric strings (audiences.test.ts), so only a string no writer would
 * read as a number is known to have none. Narrowed, the condition is a seek on the index
 * (tag, num, value), the only one that holds `value` (migrations/0008).
 */
function textSeek(c: Columns, strings: readonly string[], condition: string): string {
  return strings.some(maybeNumeric) ? condition : `${c.num} IS NULL AND ${condition}`
}

/** Whether some writer could read `text` as a number (anything `Number` does not make NaN). */
const maybeNumeric = (text: string): boolean => text.trim() !== '' && !Number.isNaN(Number(text))

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
export function leafParts(
  leaf: Leaf,
  c: Columns,
  p: Parameters,
  texts: ReadonlyMap<string, readonly string[]>,
): { sql: string; sarg: string | undefined; canError: boolean } {
  const v = c.value
  // Rows of these classes never have `num`: saying so makes their conditions seeks on the index
  // (tag, num, value).
  const none = `${c.num} IS NULL AND`
  const classes: [string, Part][] = [
    [`${v} = 'true'`, { sql: literal(leaf.truth(true)), sarg: `${none} ${v} = 'true'` }],
    [`${v} = 'false'`, { sql: literal(leaf.truth(false)), sarg: `${none} ${v} = 'false'` }],
    [`${v} = 'null'`, { sql: literal(leaf.truth(null)), sarg: `${none} ${v} = 'null'` }],
    [`${v} >= '"' AND ${v} < '#'`, textPart(leaf, c, p, texts)],
    [`${v} = '[]'`, { sql: literal(leaf.truth([])), sarg: `${none} ${v} = '[]'` }],
    [
      `${v} >= '[' AND ${v} < '\\'`,
      { sql: literal(leaf.truth([0])), sarg: `${none} ${v} >= '[' AND ${v} < '\\'` },
    ],
    [
      `${v} >= '{' AND ${v} < '|'`,
      { sql: literal(leaf.truth({})), sarg: `${none} ${v} >= '{' AND ${v} < '|'` },
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
