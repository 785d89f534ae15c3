// The `where` of an audience query, checked and cut into a boolean tree whose leaves each read one
// tag. Every leaf keeps the engine's compiled JsonLogic, so the SQL built from it (statements.ts)
// takes its constants from the engine itself: what a leaf gives for an absent tag, for true, false,
// null, arrays and objects, and for each distinct text value it cannot decide in SQL.
import { compileLogic, didYouMean, LogicError, truthy, validateLogic } from '../../rules/index.ts'
import { fail } from '../http-error.ts'
import { isRecord } from '../values.ts'

/** A condition's outcome for one profile: true, false, or `null` when the expression throws. */
export type Truth = 1 | 0 | null

/** A JSON scalar a query may compare a tag with. */
export type Scalar = string | number | boolean | null

/** The comparisons a leaf may use (JsonLogic chains of 2 or 3 terms). */
export type ComparisonOp = '==' | '!=' | '===' | '!==' | '<' | '<=' | '>' | '>='

/** One term of a comparison chain: the tag, or a literal. */
export type Term = { tag: true } | { literal: Scalar }

/** A test of one tag's value; `truth` is the engine's verdict for any value (`undefined`: absent). */
export interface Leaf {
  tag: string
  test:
    | { kind: 'truthy' }
    | { kind: 'compare'; op: ComparisonOp; terms: Term[] }
    | { kind: 'in'; list: Scalar[] }
  truth(value: unknown): Truth
}

/** The boolean structure of a `where` (`!!` is dropped: it does not change truthiness). */
export type Condition =
  | { kind: 'const'; truth: Truth }
  | { kind: 'and' | 'or'; args: Condition[] }
  | { kind: 'not'; arg: Condition }
  | { kind: 'leaf'; leaf: Leaf }

const COMPARISONS = new Set<string>(['==', '!=', '===', '!==', '<', '<=', '>', '>='])

const SUPPORTED =
  'and, or, !, !!, {"var": "tags.<id>"}, ==, ===, !=, !==, <, <=, >, >= (with literals, between forms included) and in (with a literal list)'

/**
 * Checks `where` against the tags of the active rules (`tagIds`) and returns its condition tree.
 * Throws a `400` naming the path and the fix for anything else: unknown operations or tags (with a
 * suggestion), operations the tag index cannot answer, malformed arguments.
 */
export function parseWhere(where: unknown, tagIds: readonly string[]): Condition {
  if (!isRecord(where) || Object.keys(where).length !== 1)
    throw fail(
      400,
      `"where" must be a JsonLogic expression (an object with one operation), like {"var": "tags.${tagIds[0] ?? 'coupon_hunter'}"}`,
    )
  const problems = validateLogic(where, 'where')
  if (problems.length) throw fail(400, problems.map((p) => `${p.path}: ${p.message}`).join('; '))
  return condition(where, 'where', new Set(tagIds))
}

/** `.name` for an identifier-like operation, else `["op"]` (the engine's path style). */
function member(path: string, op: string): string {
  const word = (code: number, first: boolean) =>
    code === 36 /* $ */ ||
    code === 95 /* _ */ ||
    (code >= 65 && code <= 90) ||
    (code >= 97 && code <= 122) ||
    (!first && code >= 48 && code <= 57)
  let plain = op.length > 0
  for (let i = 0; i < op.length; i++) if (!word(op.charCodeAt(i), i === 0)) plain = false
  return plain ? `${path}.${op}` : `${path}[${JSON.stringify(op)}]`
}

const isScalar = (value: unknown): value is Scalar =>
  value === null || ['string', 'number', 'boolean'].includes(typeof value)

function condition(node: unknown, path: string, tags: Set<string>): Condition {
  if (isScalar(node)) return { kind: 'const', truth: truthy(node) ? 1 : 0 }
  if (!isRecord(node) || Object.keys(node).length !== 1)
    throw fail(400, `${path}: expected a condition (an object with one operation, or a literal)`)
  const op = Object.keys(node)[0]!
  const raw = node[op]
  const at = member(path, op)
  if (op === 'and' || op === 'or') {
    if (!Array.isArray(raw)) throw fail(400, `${at}: "${op}" takes an array of conditions`)
    return { kind: op, args: raw.map((arg, i) => condition(arg, `${at}[${i}]`, tags)) }
  }
  if (op === '!' || op === '!!') {
    const args = Array.isArray(raw) ? raw : [raw]
    if (args.length !== 1) throw fail(400, `${at}: "${op}" takes exactly one condition`)
    const arg = condition(args[0], Array.isArray(raw) ? `${at}[0]` : at, tags)
    return op === '!' ? { kind: 'not', arg } : arg
  }
  if (op === 'var') return leaf(node, tagOf(node, path, tags), { kind: 'truthy' })
  if (COMPARISONS.has(op)) return comparison(node, op as ComparisonOp, raw, at, tags)
  if (op === 'in') return membership(node, raw, at, tags)
  throw fail(400, `${at}: operation "${op}" is not supported in audience queries; use ${SUPPORTED}`)
}

function comparison(
  node: Record<string, unknown>,
  op: ComparisonOp,
  raw: unknown,
  at: string,
  tags: Set<string>,
): Condition {
  if (!Array.isArray(raw) || raw.length < 2 || raw.length > 3)
    throw fail(
      400,
      `${at}: "${op}" takes 2 terms (or 3 for a between), like {"${op}": [{"var": "tags.x"}, 1]}`,
    )
  let tag: string | undefined
  const terms = raw.map((term, i): Term => {
    if (isScalar(term)) return { literal: term }
    if (isRecord(term) && Object.keys(term).length === 1 && 'var' in term) {
      if (tag !== undefined)
        throw fail(400, `${at}: compares two tags; compare one tag with literal values`)
      tag = tagOf(term, `${at}[${i}]`, tags)
      return { tag: true }
    }
    throw fail(
      400,
      `${at}[${i}]: compare a tag ({"var": "tags.<id>"}) with literal values (a string, number, true, false or null)`,
    )
  })
  if (tag === undefined) return { kind: 'const', truth: evaluate(compileLogic(node), null) }
  return leaf(node, tag, { kind: 'compare', op, terms })
}

function membership(
  node: Record<string, unknown>,
  raw: unknown,
  at: string,
  tags: Set<string>,
): Condition {
  const usage = `write {"in": [{"var": "tags.<id>"}, ["a", "b"]]} (a tag in a literal list)`
  if (!Array.isArray(raw) || raw.length !== 2 || !Array.isArray(raw[1]))
    throw fail(400, `${at}: ${usage}`)
  const [needle, list] = raw as [unknown, unknown[]]
  if (!isRecord(needle) || Object.keys(needle).length !== 1 || !('var' in needle))
    throw fail(400, `${at}[0]: ${usage}`)
  const bad = list.findIndex((item) => !isScalar(item))
  if (bad !== -1)
    throw fail(
      400,
      `${at}[1][${bad}]: the list holds literal values only (strings, numbers, true, false, null)`,
    )
  return leaf(node, tagOf(needle, `${at}[0]`, tags), { kind: 'in', list: list as Scalar[] })
}

/** The tag a `{"var": "tags.<id>"}` reads, checked against the active rules. */
function tagOf(node: Record<string, unknown>, path: string, tags: Set<string>): string {
  const at = `${path}.var`
  const raw = node.var
  const args = Array.isArray(raw) ? raw : [raw]
  if (args.length !== 1)
    throw fail(400, `${at}: a default value is not supported (an absent tag reads as null)`)
  const name = args[0]
  if (typeof name !== 'string' || !name.startsWith('tags.'))
    throw fail(
      400,
      `${at}: audience queries read tags only, like "tags.${[...tags][0] ?? 'x'}" (got ${shortJson(name)})`,
    )
  const id = name.slice('tags.'.length)
  if (!tags.has(id))
    throw fail(
      400,
      `${at}: unknown tag ${shortJson(id)}${didYouMean(id, tags)}: GET /v1/catalog lists the tags`,
    )
  return id
}

function shortJson(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}

function leaf(node: Record<string, unknown>, tag: string, test: Leaf['test']): Condition {
  const fn = compileLogic(node)
  return {
    kind: 'leaf',
    leaf: {
      tag,
      test,
      truth: (value) => evaluate(fn, value === undefined ? {} : { [tag]: value }),
    },
  }
}

/** The engine's verdict: truthy → 1, falsy → 0, a JsonLogic error → `null`. */
function evaluate(fn: (data: unknown) => unknown, tags: Record<string, unknown> | null): Truth {
  try {
    return truthy(fn(tags === null ? null : { tags })) ? 1 : 0
  } catch (error) {
    if (error instanceof LogicError) return null
    throw error
  }
}

/**
 * JsonLogic's number for `value` (`"2.5"` → 2.5, `null`/`""`/`false` → 0, `true` → 1), or `null`
 * when it has none: the engine's own coercion, through `{"+": [value]}`.
 */
export function engineNumber(value: Scalar): number | null {
  try {
    return compileLogic({ '+': [value] })(null) as number
  } catch (error) {
    if (error instanceof LogicError) return null
    throw error
  }
}
