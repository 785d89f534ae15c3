import { describe } from '../document/event.ts'
import { isObject } from '../document/json.ts'
import { validateLogic } from '../edge/logic.ts'
import { isCategoryPath, join, type Problems } from './problems.ts'
import { ID } from './validate-metric.ts'

const META_KEYS = ['name', 'description', 'category', 'owner', 'status']
const KIND_KEYS = ['when', 'tiers', 'cases', 'score', 'value']
const STATUSES = ['draft', 'certified', 'deprecated']

/** Validates one tag's shape (not its references); returns whether it can be analyzed further. */
export function checkTag(id: string, def: unknown, problems: Problems): boolean {
  const path = join('tags', id)
  if (!ID.test(id))
    problems.add(
      path,
      `bad tag id "${id}": ids are lowercase letters, digits and _, starting with a letter, at most 64 characters`,
    )
  if (!isObject(def)) {
    problems.add(
      path,
      `expected a tag object with one of ${KIND_KEYS.join(', ')} (got ${describe(def)})`,
    )
    return false
  }
  const before = problems.list.length
  const kinds = KIND_KEYS.filter((k) => k in def)
  if (kinds.length !== 1) {
    problems.add(
      path,
      kinds.length === 0
        ? `a tag needs exactly one of ${KIND_KEYS.join(', ')}`
        : `a tag has exactly one kind, but this one has ${kinds.join(' and ')}`,
    )
  }
  const known = [...META_KEYS, ...KIND_KEYS, ...(kinds[0] === 'cases' ? ['else'] : [])]
  problems.unknownKeys(path, def, known)
  for (const key of ['name', 'description', 'owner'] as const) {
    if (def[key] !== undefined && typeof def[key] !== 'string')
      problems.add(join(path, key), `expected a string (got ${describe(def[key])})`)
  }
  if (
    def.category !== undefined &&
    !(typeof def.category === 'string' && isCategoryPath(def.category))
  ) {
    problems.add(
      join(path, 'category'),
      `expected a category path like "behavior/realtime" (got ${describe(def.category)})`,
    )
  }
  if (def.status !== undefined && !STATUSES.includes(def.status as string)) {
    problems.add(
      join(path, 'status'),
      `expected one of ${STATUSES.join(', ')} (got ${describe(def.status)})`,
    )
  }
  const logic = (rule: unknown, at: string) => {
    for (const p of validateLogic(rule, at)) problems.list.push(p)
  }
  if (kinds.length === 1) {
    const kind = kinds[0]!
    const at = join(path, kind)
    const body = def[kind]
    if (kind === 'when' || kind === 'value') logic(body, at)
    if (kind === 'tiers') checkTiers(body, at, problems, logic)
    if (kind === 'cases') checkCases(body, def.else, path, problems, logic)
    if (kind === 'score') checkScore(body, at, problems)
  }
  return problems.list.length === before
}

const isScalar = (v: unknown) => v === null || ['string', 'number', 'boolean'].includes(typeof v)
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)

function checkTiers(
  body: unknown,
  at: string,
  problems: Problems,
  logic: (rule: unknown, at: string) => void,
) {
  if (!isObject(body))
    return problems.add(
      at,
      `expected {"of": JsonLogic, "cuts": [numbers], "labels": [...]} (got ${describe(body)})`,
    )
  problems.unknownKeys(at, body, ['of', 'cuts', 'labels'])
  if (!('of' in body))
    problems.add(join(at, 'of'), 'missing: the JsonLogic expression whose number is tiered')
  else logic(body.of, join(at, 'of'))
  const { cuts, labels } = body
  if (!Array.isArray(cuts) || cuts.length === 0 || !cuts.every(isFiniteNumber)) {
    return problems.add(
      join(at, 'cuts'),
      `expected a non-empty array of numbers (got ${describe(cuts)})`,
    )
  }
  for (let i = 1; i < cuts.length; i++) {
    if (cuts[i]! <= cuts[i - 1]!)
      problems.add(
        join(at, 'cuts'),
        `cuts must be strictly ascending: ${cuts[i]} follows ${cuts[i - 1]}`,
      )
  }
  if (!Array.isArray(labels) || !labels.every(isScalar))
    return problems.add(join(at, 'labels'), `expected an array of labels (got ${describe(labels)})`)
  if (labels.length !== cuts.length + 1) {
    problems.add(
      join(at, 'labels'),
      `${cuts.length} cuts make ${cuts.length + 1} tiers, so labels needs ${cuts.length + 1} entries (got ${labels.length})`,
    )
  }
}

function checkCases(
  body: unknown,
  otherwise: unknown,
  path: string,
  problems: Problems,
  logic: (rule: unknown, at: string) => void,
) {
  const at = join(path, 'cases')
  if (!Array.isArray(body) || body.length === 0)
    return problems.add(
      at,
      `expected a non-empty array of {"when": JsonLogic, "then": value} (got ${describe(body)})`,
    )
  body.forEach((c, i) => {
    const here = join(at, i)
    if (!isObject(c))
      return problems.add(here, `expected {"when": JsonLogic, "then": value} (got ${describe(c)})`)
    problems.unknownKeys(here, c, ['when', 'then'])
    if (!('when' in c)) problems.add(join(here, 'when'), 'missing: the condition of this case')
    else logic(c.when, join(here, 'when'))
    if (!('then' in c) || !isScalar(c.then))
      problems.add(
        join(here, 'then'),
        `expected the tag's value, a JSON scalar (got ${describe(c.then)})`,
      )
  })
  if (otherwise !== undefined && !isScalar(otherwise))
    problems.add(join(path, 'else'), `expected a JSON scalar (got ${describe(otherwise)})`)
}

function checkScore(body: unknown, at: string, problems: Problems) {
  if (!isObject(body))
    return problems.add(
      at,
      `expected {"bias": n, "weights": {"metrics.x": w}, "threshold": p} (got ${describe(body)})`,
    )
  problems.unknownKeys(at, body, ['bias', 'weights', 'threshold'])
  if (body.bias !== undefined && !isFiniteNumber(body.bias))
    problems.add(join(at, 'bias'), `expected a number (got ${describe(body.bias)})`)
  if (
    body.threshold !== undefined &&
    !(isFiniteNumber(body.threshold) && body.threshold >= 0 && body.threshold <= 1)
  ) {
    problems.add(
      join(at, 'threshold'),
      `expected a probability between 0 and 1 (got ${describe(body.threshold)})`,
    )
  }
  if (!isObject(body.weights) || Object.keys(body.weights).length === 0) {
    return problems.add(
      join(at, 'weights'),
      `expected an object of data path → weight, like {"metrics.trips_12m": 0.4} (got ${describe(body.weights)})`,
    )
  }
  for (const [key, weight] of Object.entries(body.weights)) {
    if (!isFiniteNumber(weight))
      problems.add(join(join(at, 'weights'), key), `expected a number (got ${describe(weight)})`)
  }
}
