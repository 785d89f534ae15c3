// Coverage of every tag in one pass over tag_index: profiles per tag and per value, with numbers
// bucketed where listing them one by one would say nothing (scores; value tags with many numbers).
import type { TagValue } from '../../rules/index.ts'
import type { Statement } from './sql-statement.ts'

/** Values (or buckets) listed per tag, most frequent first. */
export const MAX_COVERAGE_VALUES = 20
/** Numeric values of a non-score tag are listed one by one up to this many distinct ones. */
export const MAX_EXACT_NUMBERS = 20
/** Buckets of a bucketed tag: equal widths over [0, 1] (scores) or [min, max] (other numbers). */
export const BUCKETS = 10

/** One listed value, or one bucket of numbers: `[min, max)` (the last closed), labelled in `value`. */
export type CoverageValue =
  | { value: TagValue; profiles: number }
  | { value: string; range: [number, number]; profiles: number }

/** How many profiles hold a tag, and with which values. */
export interface Coverage {
  profiles: number
  /** Distinct values (or non-empty buckets) the tag has; `values` lists the first 20. */
  distinctValues: number
  /** `true` when `values` are buckets of numbers. */
  bucketed: boolean
  values: CoverageValue[]
}

/** A tag's coverage and the time of its latest change in the index (ms epoch), by tag id. */
export type CoverageByTag = Map<string, { coverage: Coverage; lastChangeAt: number | null }>

// Rows are first grouped by (tag, num, value): by value, since `num` follows from it, in the order
// of the index (tag, num, value), so bucketing works on distinct values, not on every row.
// A JSON number starts with '-' or a digit: the range ['-', ':') of the value text. Groups are keyed
// by the value's JSON text, or 'b<i>' for a score bucket and 'r<i>' for a bucket over [min, max]
// (no JSON text starts with 'b' or 'r'). ?1 is the JSON list of score tags.
// Numbers span up to ±1.8e308, so a bucket is found by the fraction of [lo, hi] below the number
// computed in halves (hi − lo, or num − lo, can be past the largest double: Infinity, and
// Infinity / Infinity is NaN, which SQLite makes NULL), and that fraction is taken before it is
// scaled (10 × a finite difference can overflow too). More than 20 distinct numbers means hi > lo.
const SQL = `WITH
pairs AS (
  SELECT tag, value, num, count(*) AS profiles, max(updated_at) AS last
  FROM tag_index GROUP BY tag, num, value
),
numbers AS (
  SELECT tag, min(num) AS lo, max(num) AS hi, count(*) AS distinct_numbers
  FROM pairs WHERE value >= '-' AND value < ':' GROUP BY tag
),
keyed AS (
  SELECT p.tag AS tag, p.profiles AS profiles, p.last AS last, n.lo AS lo, n.hi AS hi,
    CASE
      WHEN NOT (p.value >= '-' AND p.value < ':') THEN p.value
      WHEN p.tag IN (SELECT value FROM json_each(?1)) THEN 'b' || max(0, min(CAST(p.num * ${BUCKETS} AS INTEGER), ${BUCKETS - 1}))
      WHEN n.distinct_numbers <= ${MAX_EXACT_NUMBERS} THEN p.value
      ELSE 'r' || max(0, min(CAST((p.num / 2 - n.lo / 2) / (n.hi / 2 - n.lo / 2) * ${BUCKETS} AS INTEGER), ${BUCKETS - 1}))
    END AS k
  FROM pairs p LEFT JOIN numbers n ON n.tag = p.tag
),
grouped AS (
  SELECT tag, k, sum(profiles) AS profiles, max(last) AS last, max(lo) AS lo, max(hi) AS hi
  FROM keyed GROUP BY tag, k
),
ranked AS (
  SELECT tag, k, profiles, lo, hi,
    sum(profiles) OVER (PARTITION BY tag) AS total,
    max(last) OVER (PARTITION BY tag) AS last_change,
    count(*) OVER (PARTITION BY tag) AS distinct_values,
    row_number() OVER (PARTITION BY tag ORDER BY profiles DESC, k) AS rank
  FROM grouped
)
SELECT tag, k, profiles, lo, hi, total, last_change, distinct_values FROM ranked
WHERE rank <= ${MAX_COVERAGE_VALUES} ORDER BY tag, rank`

interface Row {
  tag: string
  k: string
  profiles: number
  lo: number | null
  hi: number | null
  total: number
  last_change: number
  distinct_values: number
}

/**
 * The coverage statement: one row per listed value of each tag. `scoreTags` are bucketed over
 * [0, 1] in tenths; another tag's numbers are listed one by one while it has at most 20 distinct
 * ones, else in tenths of [min, max]; any other value (flags, labels, text) one by one.
 */
export function coverageStatement(scoreTags: readonly string[]): Statement {
  return { sql: SQL, params: [JSON.stringify(scoreTags)] }
}

/** The rows of {@link coverageStatement} as coverage per tag. */
export function coverageByTag(rows: readonly Record<string, unknown>[]): CoverageByTag {
  const byTag: CoverageByTag = new Map()
  for (const row of rows as unknown as readonly Row[]) {
    let entry = byTag.get(row.tag)
    if (!entry) {
      entry = {
        coverage: {
          profiles: row.total,
          distinctValues: row.distinct_values,
          bucketed: false,
          values: [],
        },
        lastChangeAt: row.last_change,
      }
      byTag.set(row.tag, entry)
    }
    const { coverage } = entry
    const kind = row.k[0]
    if (kind === 'b' || kind === 'r') {
      coverage.bucketed = true
      const i = Number(row.k.slice(1))
      const [lo, hi] = kind === 'b' ? [0, 1] : [row.lo!, row.hi!]
      const range: [number, number] = [round(bound(lo, hi, i)), round(bound(lo, hi, i + 1))]
      const label = `${range[0]}–${range[1]}`
      coverage.values.push({ value: label, range, profiles: row.profiles })
    } else coverage.values.push({ value: JSON.parse(row.k) as TagValue, profiles: row.profiles })
  }
  return byTag
}

/**
 * The lower bound of bucket `i` of [lo, hi] (the upper bound of the last), in halves as in the SQL
 * above: neither hi − lo nor i × (hi − lo) / 10 is finite for every pair of doubles.
 */
const bound = (lo: number, hi: number, i: number) =>
  i === BUCKETS ? hi : 2 * (lo / 2 + (i / BUCKETS) * (hi / 2 - lo / 2))

/** Bucket bounds to 6 significant digits, so tenths read `0.3`, not `0.30000000000000004`. */
const round = (n: number) => Number(n.toPrecision(6))
