import type { TagValue } from '../../rules/index.ts'
import { MAX_TEXT_VALUES, textTags, textValuesStatement } from './leaf.ts'
import { audienceStatements } from './statements.ts'
import { parseWhere, type Condition } from './where.ts'
import { fail } from '../http-error.ts'
import type { Statement } from './sql-statement.ts'

/** One page of an audience. */
export interface AudiencePage {
  /** Every matching profile. */
  count: number
  /** This page's profiles, by id, each with every tag the index holds for it. */
  profiles: { id: string; tags: Record<string, TagValue> }[]
  /** The last profile id of the page when more follow, else `null`. */
  next: string | null
}

/** A prepared statement, as D1 has them. */
export interface SqlStatement {
  bind(...values: unknown[]): SqlStatement
}

/** What an audience query needs of a D1 database (any binding: the Worker's, Miniflare's proxy). */
export interface SqlDatabase {
  prepare(sql: string): SqlStatement
  batch<T = unknown>(statements: SqlStatement[]): Promise<{ results: T[] }[]>
}

const prepare = (db: SqlDatabase, { sql, params }: Statement) => db.prepare(sql).bind(...params)

/**
 * The profiles of the tag index whose tags satisfy `where` (checked against `tagIds`; `400` for
 * what cannot be answered), `limit` of them after the profile id `after`. Count and page come
 * from one D1 batch, so both see the same snapshot; a second batch runs only for the rare
 * comparisons that need a tag's text values judged by the engine, when the tag has some.
 */
export async function queryAudience(
  db: SqlDatabase,
  tagIds: readonly string[],
  where: unknown,
  page: { after?: string; limit: number; maxChars?: number },
): Promise<AudiencePage> {
  const condition = parseWhere(where, tagIds)
  // Text values some comparisons need judged by the engine are rare (they take a number compared
  // with a tag that holds strings): the first batch assumes there are none and fetches them in the
  // same snapshot; only when some exist does a second batch run with them.
  const needed = textTags(condition)
  let texts = new Map<string, string[]>()
  let answer = await run(db, condition, texts, page, needed)
  if (answer.texts.some((values) => values.length)) {
    texts = new Map(needed.map((tag, i) => [tag, answer.texts[i]!]))
    answer = await run(db, condition, texts, page, [])
  }
  if (!answer.rows) return { count: 0, profiles: [], next: null }
  // Tags become properties through Object.fromEntries, which defines them: a tag named
  // `__proto__` would be plain data, never a prototype.
  const found: { id: string; tags: [string, TagValue][] }[] = []
  // The page ends before the first profile past its size (`MAX_PAGE_CHARS`), or after `limit`.
  let cut = false
  for (const row of answer.rows) {
    if (row.cut) {
      cut = true
      break
    }
    let last = found[found.length - 1]
    if (last?.id !== row.profile) found.push((last = { id: row.profile, tags: [] }))
    if (row.tag !== null) last.tags.push([row.tag, JSON.parse(row.value!) as TagValue])
  }
  const more = cut || found.length > page.limit
  if (found.length > page.limit) found.length = page.limit
  return {
    count: answer.count,
    profiles: found.map(({ id, tags }) => ({ id, tags: Object.fromEntries(tags) })),
    next: more ? found[found.length - 1]!.id : null,
  }
}

interface Run {
  count: number
  /**
   * `null` when nothing can match (no query ran). `cut` 1: the profile starts past the page's
   * size and has no tag here (`audienceStatements`).
   */
  rows: { profile: string; tag: string | null; value: string | null; cut: number }[] | null
  /** The distinct text values of each tag of `textsOf`. */
  texts: string[][]
}

/** One D1 batch: count, page, and the distinct text values of `textsOf` (same snapshot). */
async function run(
  db: SqlDatabase,
  condition: Condition,
  texts: ReadonlyMap<string, readonly string[]>,
  page: { after?: string; limit: number; maxChars?: number },
  textsOf: readonly string[],
): Promise<Run> {
  const statements = audienceStatements(condition, texts, page)
  const batch = textsOf.map((tag) => prepare(db, textValuesStatement(tag)))
  if (statements) {
    if (!statements.counted) batch.push(prepare(db, statements.count))
    batch.push(prepare(db, statements.page))
  }
  if (!batch.length) return { count: 0, rows: null, texts: [] }
  const results = await send(db, batch)
  const values = textsOf.map((tag, i) => {
    const found = results[i]!.results.map((row) => row.value as string)
    if (found.length > MAX_TEXT_VALUES)
      throw fail(
        400,
        `tag "${tag}" has more than ${MAX_TEXT_VALUES} distinct text values: compare it with ==, != or in a list of strings`,
      )
    return found
  })
  if (!statements) return { count: 0, rows: null, texts: values }
  const answers = results.slice(textsOf.length)
  const rows = answers[answers.length - 1]!.results as (NonNullable<Run['rows']>[number] & {
    n?: number
  })[]
  let count: number
  if (!statements.counted) count = (answers[0]!.results[0] as { n: number }).n
  else if (rows.length) count = rows[0]!.n!
  else if (page.after === undefined) count = 0
  // An empty page after a cursor says nothing about the count: ask for it.
  else count = ((await send(db, [prepare(db, statements.count)]))[0]!.results[0] as { n: number }).n
  return { count, rows, texts: values }
}

const send = (db: SqlDatabase, batch: SqlStatement[]) =>
  db.batch<Record<string, unknown>>(batch).catch((error: unknown) => {
    throw tooComplex(error) ?? error
  })

// SQLite's words when a statement exceeds one of D1's limits (expression depth, compound terms,
// function arguments, statement length): the query is too large, not the server broken.
const LIMIT_ERRORS = ['too large', 'too many', 'too big', 'too long']

/** A `400` for a statement over D1's limits, else `undefined`. */
function tooComplex(error: unknown): Error | undefined {
  const message = error instanceof Error ? error.message : String(error)
  if (!LIMIT_ERRORS.some((words) => message.includes(words))) return undefined
  return fail(400, `"where" is too large for one D1 query (${message}): split it`)
}
