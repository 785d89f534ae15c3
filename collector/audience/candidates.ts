// The profiles an audience query has to look at, found by the indexes.
import { leafParts } from './leaf.ts'
import type { Condition } from './where.ts'
import type { Parameters } from './sql-statement.ts'

/** D1's SQLite allows at most 5 terms per compound SELECT: larger ones are nested. */
const MAX_COMPOUND_TERMS = 5

/**
 * Every known profile: the directory, and any the index holds that it does not (yet). Written as
 * UNION ALL of disjoint parts, the index part grouped in primary-key order, so that no temporary
 * B-tree of every index row is built (a plain UNION took about twice as long over 100k profiles).
 */
export const EVERY_PROFILE = `SELECT id AS profile FROM profiles UNION ALL
  SELECT profile FROM tag_index i GROUP BY profile HAVING NOT EXISTS (SELECT 1 FROM profiles WHERE id = i.profile)`

/**
 * Profiles that may match (`all`, `none` or a SELECT of `profile`); `exact` when they are exactly
 * the matches, so the query needs no further test; `canError` when the condition may throw.
 */
export interface Candidates {
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
export function candidates(
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
