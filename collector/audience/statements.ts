// A `where` condition tree (where.ts) as the statements of one audience query over
// `tag_index`, with the engine's semantics (three-valued.ts, leaf.ts) and the candidates
// the indexes find (candidates.ts).
import { candidates, EVERY_PROFILE } from './candidates.ts'
import { leafParts } from './leaf.ts'
import type { Condition } from './where.ts'
import { fail } from '../http-error.ts'
import { compact, MAX_PARAMETERS, Parameters, type Statement } from './sql-statement.ts'
import { junction, literal, not3 } from './three-valued.ts'

/** SQLite joins at most 64 tables; a query reads at most this many different tags. */
export const MAX_QUERY_TAGS = 32
/** D1 runs SQL statements of at most 100,000 bytes (the SQL text is ASCII: characters are bytes). */
export const MAX_SQL_LENGTH = 100_000
/**
 * Characters of tag ids and values (plus {@link TAG_OVERHEAD_CHARS} per tag) a page holds at most,
 * the first profile whatever its size. A profile may hold 1,000 tags of up to 1,000 characters, so
 * `limit` profiles alone could make a page of 1 GB; a Worker has 128 MB. A page that reaches it
 * ends early, with a cursor, like a page of `limit` profiles.
 */
export const MAX_PAGE_CHARS = 4_000_000
/** What a tag adds to the answer besides its id and value: two quotes, a colon, a comma. */
const TAG_OVERHEAD_CHARS = 4

/** The tags a condition reads, in order of appearance. */
function tagsOf(condition: Condition, into: string[] = []): string[] {
  if (condition.kind === 'leaf') {
    if (!into.includes(condition.leaf.tag)) into.push(condition.leaf.tag)
  } else if (condition.kind === 'and' || condition.kind === 'or')
    condition.args.forEach((arg) => tagsOf(arg, into))
  else if (condition.kind === 'not') tagsOf(condition.arg, into)
  return into
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
 * A page holds the `limit + 1` first matching profiles after `after` (by id), with all their tags
 * while their sizes add up to less than `maxChars` ({@link MAX_PAGE_CHARS}); each profile past
 * that comes as one row with `cut` 1 and no tag, so the caller knows the page ended early.
 */
export function audienceStatements(
  condition: Condition,
  texts: ReadonlyMap<string, readonly string[]>,
  page: { after?: string; limit: number; maxChars?: number },
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
  const rows = build((from, where, p) => {
    const after = page.after === undefined ? '' : ` AND profile > ${p.bind(page.after)}`
    const limit = p.bind(page.limit + 1)
    const tagsOfPage = pageTags(p.bind(page.maxChars ?? MAX_PAGE_CHARS), exact ? '' : ', m.n')
    // Exact candidates come from the indexes in profile order, so the page stops after `limit`
    // of them; tested candidates are all tested anyway, so the same pass counts them.
    if (exact)
      return (
        `, m(profile) AS (SELECT profile FROM ${from} WHERE ${where}${after} ORDER BY profile LIMIT ${limit})` +
        tagsOfPage
      )
    return (
      `, matches(profile, n) AS (SELECT c.profile, count(*) OVER () FROM ${from} WHERE ${where}),` +
      ` m(profile, n) AS (SELECT profile, n FROM matches WHERE 1${after} ORDER BY profile LIMIT ${limit})` +
      tagsOfPage
    )
  })
  return { count, page: rows!, counted: !exact }
}

/**
 * The rows of the page's profiles (`m`, with the `extra` columns of `m` given as `, m.<column>`):
 * every tag of each profile that starts before `maxChars` characters of the page (each tag
 * weighs its id, its value and {@link TAG_OVERHEAD_CHARS}), by profile and tag; a profile that
 * starts later is one row, `cut` 1, without a tag. The sizes are summed in the same pass that
 * reads the tags, so each index row is read once.
 */
function pageTags(maxChars: string, extra: string): string {
  const size = `length(coalesce(t.tag, '')) + length(coalesce(t.value, '')) + ${TAG_OVERHEAD_CHARS}`
  const columns = `profile, tag, value${extra.replaceAll('m.', '')}`
  return (
    `, sized AS (SELECT m.profile AS profile, t.tag AS tag, t.value AS value${extra}, ${size} AS size,` +
    ` sum(${size}) OVER (ORDER BY m.profile, t.tag ROWS UNBOUNDED PRECEDING) AS upto` +
    ` FROM m LEFT JOIN tag_index t ON t.profile = m.profile),` +
    ` started AS (SELECT ${columns}, min(upto - size) OVER (PARTITION BY profile) >= ${maxChars} AS cut,` +
    ` row_number() OVER (PARTITION BY profile ORDER BY tag) AS k FROM sized)` +
    ` SELECT profile, CASE WHEN cut THEN NULL ELSE tag END AS tag, CASE WHEN cut THEN NULL ELSE value END AS value${extra.replaceAll('m.', '')}, cut` +
    ` FROM started WHERE NOT cut OR k = 1 ORDER BY profile, k`
  )
}
