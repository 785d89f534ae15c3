import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compileLogic, explainLogic, LOGIC_OPERATIONS } from '../../rules/edge/logic.ts'
import { DEVICE_FEATURES_WITH_RARE } from '../../rules/device/rare-features.ts'
import { genericCompiler } from '../../rules/logic/compile-generic.ts'
import { LogicError } from '../../rules/logic/logic-error.ts'
import { truthy } from '../../rules/logic/values.ts'

// Devices evaluate generically, without the compiler's fast paths (rules/device/features.ts): the
// conformance suites run through both.
const compileOnDevice = genericCompiler(DEVICE_FEATURES_WITH_RARE.operations)

const fixtures = fileURLToPath(new URL('../fixtures/jsonlogic/', import.meta.url))

interface Case {
  description: string
  rule: unknown
  data?: unknown
  result?: unknown
  error?: { type: string }
}

/** Both suite formats as cases: `{description, rule, data, result | error}`, headers dropped. */
function suite(file: string): Case[] {
  const entries: unknown[] = JSON.parse(readFileSync(join(fixtures, file), 'utf8'))
  return entries.flatMap((entry): Case[] => {
    if (typeof entry === 'string') return []
    if (!Array.isArray(entry)) return [entry as Case]
    const [rule, data, result] = entry
    return [{ description: JSON.stringify(rule), rule, data, result }]
  })
}

/** The first operation in `rule` that this engine does not have (such cases are skipped). */
function foreignOperation(rule: unknown): string | undefined {
  if (Array.isArray(rule)) return rule.map(foreignOperation).find((op) => op !== undefined)
  if (typeof rule !== 'object' || rule === null || Object.keys(rule).length !== 1) return undefined
  const [op, args] = Object.entries(rule)[0]!
  return LOGIC_OPERATIONS.includes(op) ? foreignOperation(args) : op
}

function outcome(run: () => unknown): { value: unknown } | { error: string } {
  try {
    return { value: run() }
  } catch (error) {
    return { error: error instanceof LogicError ? error.type : String(error) }
  }
}

// passed / skipped per suite; a change here means a case changed status.
const SUITES: Record<string, [number, number]> = {
  'compatible.json': [278, 0],
  'truthiness.json': [9, 4],
  'arithmetic/plus.json': [29, 3],
  'arithmetic/plus.extra.json': [0, 3],
  'arithmetic/minus.json': [21, 1],
  'arithmetic/minus.extra.json': [0, 3],
  'arithmetic/multiply.json': [27, 1],
  'arithmetic/multiply.extra.json': [0, 3],
  'arithmetic/divide.json': [30, 1],
  'arithmetic/divide.extra.json': [0, 3],
  'arithmetic/modulo.json': [30, 1],
  'arithmetic/modulo.extra.json': [0, 2],
  'comparison/greaterThan.json': [34, 1],
  'comparison/greaterThanEquals.json': [27, 1],
  'comparison/lessThan.json': [44, 1],
  'comparison/lessThanEquals.json': [19, 1],
  'comparison/softEquals.json': [34, 1],
  'comparison/softNotEquals.json': [33, 1],
  'comparison/strictEquals.json': [30, 1],
  'comparison/strictNotEquals.json': [29, 1],
  'control/and.json': [22, 3],
  'control/or.json': [21, 3],
  'control/if.json': [39, 5],
  'control/not.json': [23, 0],
  'control/doublebang.json': [23, 0],
  'string/cat.json': [9, 0],
  'string/in.json': [8, 0],
  'string/substr.json': [12, 0],
  'array/map.json': [14, 0],
  'array/filter.json': [12, 0],
  'array/reduce.json': [9, 0],
  'array/merge.json': [8, 0],
  'array/all.json': [12, 0],
  'array/some.json': [13, 0],
  'array/none.json': [13, 0],
}

describe.each(Object.entries(SUITES))('JsonLogic conformance: %s', (file, [passed, skipped]) => {
  const cases = suite(file)
  const run = cases.filter((c) => foreignOperation(c.rule) === undefined)
  const skip = cases.filter((c) => foreignOperation(c.rule) !== undefined)

  it(`runs ${passed} cases and skips ${skipped} that use operations outside the language`, () => {
    expect([run.length, skip.length]).toEqual([passed, skipped])
    for (const c of skip) expect(['val', 'throw', 'preserve']).toContain(foreignOperation(c.rule))
  })

  it.skipIf(run.length === 0).each(run)('$description with $data', (c) => {
    const compiled = outcome(() => compileLogic(c.rule)(c.data))
    if (c.error) expect(compiled).toEqual({ error: c.error.type })
    else expect(compiled).toEqual({ value: c.result })
    const generic = outcome(() => compileOnDevice(c.rule)(c.data))
    if (c.error) expect(generic).toEqual({ error: c.error.type })
    else expect(generic).toEqual({ value: c.result })
    const explained = explainLogic(c.rule, c.data)
    if (c.error) expect(explained.error).toEqual(expect.any(String))
    else expect(explained.value).toEqual(c.result)
  })
})

describe('JsonLogic semantics', () => {
  it('uses JsonLogic truthiness', () => {
    expect([[], {}, '0', 0, '', null, false, undefined, NaN, [0], 'a'].map(truthy)).toEqual([
      false,
      true,
      true,
      false,
      false,
      false,
      false,
      false,
      false,
      true,
      true,
    ])
  })

  it('throws Unknown Operator when compiling an unknown operation', () => {
    expect(() => compileLogic({ and: [true, { var2: 'x' }] })).toThrow(
      expect.objectContaining({
        type: 'Unknown Operator',
        message: expect.stringContaining('"var"'),
      }),
    )
  })

  it('fails at evaluation, not compilation, for error cases that fold to constants', () => {
    const evaluate = compileLogic({ '+': [1, 'A'] })
    expect(() => evaluate(null)).toThrow(expect.objectContaining({ type: 'NaN' }))
  })

  it('throws errors that say what failed in words, with the facts as data', () => {
    const cases: [unknown, unknown, string][] = [
      [{ '+': [1, { var: 'x' }] }, { x: 'A' }, '"+" needs numbers, got "A"'],
      [{ '*': [1e308, 10] }, null, '"*" has no finite result'],
      [{ and: true }, null, '"and" needs an array of arguments'],
    ]
    for (const [rule, data, message] of cases) {
      const error = outcome(() => compileLogic(rule)(data))
      expect(error).toEqual({ error: expect.any(String) })
      expect(() => compileLogic(rule)(data)).toThrow(message)
    }
    try {
      compileLogic({ '+': [1, { var: 'x' }] })({ x: 'A' })
    } catch (error) {
      expect(error).toMatchObject({ type: 'NaN', op: '+', detail: { got: 'A' } })
    }
    expect(() => compileLogic({ nope: [] })).toThrow('unknown operation "nope"')
  })

  it('takes the argument list from an expression for arithmetic and max/min', () => {
    const data = { xs: [3, '4', 5], n: 7 }
    expect(compileLogic({ '+': { var: 'xs' } })(data)).toBe(12)
    expect(compileLogic({ max: { var: 'xs' } })(data)).toBe(5)
    expect(compileLogic({ min: { map: [{ var: 'xs' }, { '*': [{ var: '' }, 2] }] } })(data)).toBe(6)
    expect(compileLogic({ '-': { var: 'n' } })(data)).toBe(-7)
  })

  it('evaluates one compiled expression against many data values', () => {
    const evaluate = compileLogic({ map: [{ var: 'xs' }, { '+': [{ var: '' }, 1] }] })
    expect(evaluate({ xs: [1] })).toEqual([2])
    expect(evaluate({ xs: [5, 6] })).toEqual([6, 7])
  })

  // The compiler's fast paths must agree with the shared semantics that explainLogic walks.
  it('gives the same results and errors through fast paths as through the generic path', () => {
    const ops = [
      '==',
      '!=',
      '===',
      '!==',
      '<',
      '<=',
      '>',
      '>=',
      '+',
      '-',
      '*',
      '/',
      '%',
      'and',
      'or',
    ]
    const value = fc.oneof(
      fc.jsonValue({ maxDepth: 1 }),
      fc.constantFrom('1', '', '2.5', '-0', 'x'),
    )
    const shapes = [
      (op: string) => ({ [op]: [{ var: 'a' }, { var: 'b' }] }),
      (op: string, b: unknown) => ({ [op]: [{ var: 'a' }, b] }),
      (op: string) => ({ if: [{ var: 'a' }, { [op]: [{ var: 'b' }, 1] }, { var: 'a' }] }),
      (op: string) => ({ [op]: [{ var: 'a' }, { var: 'b' }, { var: 'a' }] }),
      (op: string, b: unknown) => ({ if: [{ var: 'a' }, 1, { [op]: [b, { var: 'b' }] }, 2, 3] }),
    ]
    fc.assert(
      fc.property(fc.constantFrom(...ops), value, value, fc.nat(4), (op, a, b, shape) => {
        const rule = shapes[shape]!(op, typeof b === 'object' && b !== null ? 1 : b)
        const compiled = outcome(() => compileLogic(rule)({ a, b }))
        const explained = explainLogic(rule, { a, b })
        if ('error' in compiled) expect(explained.error).toEqual(expect.any(String))
        else expect(explained.value).toEqual(compiled.value)
      }),
      { numRuns: 2000 },
    )
  })
})

describe('custom operations', () => {
  it.each([
    [{ days: 2 }, 172_800_000],
    [{ hours: [1.5] }, 5_400_000],
    [{ minutes: '2' }, 120_000],
    [{ seconds: true }, 1_000],
    [{ days: { var: 'n' } }, 86_400_000],
    [{ '<': [{ '-': [{ var: 'now' }, { var: 'seen' }] }, { days: 7 }] }, true],
  ])('%j is %j', (rule, expected) => {
    expect(compileLogic(rule)({ n: 1, now: 10 * 86_400_000, seen: 4 * 86_400_000 })).toBe(expected)
  })

  it('throws NaN for a duration that is not a number', () => {
    for (const rule of [{ days: 'x' }, { hours: [[1]] }, { minutes: { var: 'o' } }]) {
      expect(() => compileLogic(rule)({ o: {} })).toThrow(expect.objectContaining({ type: 'NaN' }))
    }
  })

  it('matches paths with glob, false when either side is not a string', () => {
    const checkout = compileLogic({ glob: ['/checkout/*', { var: 'path' }] })
    expect(
      ['/checkout/pay', '/checkout/pay/2', 42, null].map((path) => checkout({ path })),
    ).toEqual([true, false, false, false])
    const dynamic = compileLogic({ glob: [{ var: 'pattern' }, '/visa/a'] })
    expect(dynamic({ pattern: '/visa/**' })).toBe(true)
    expect(dynamic({ pattern: 7 })).toBe(false)
  })
})

describe('prototype safety', () => {
  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', '__proto__.constructor'])(
    '{"var": %j} reads only own properties',
    (path) => {
      expect(compileLogic({ var: path })({})).toBe(null)
      expect(compileLogic({ var: `a.${path}` })({ a: [] })).toBe(null)
      expect(compileLogic({ var: [path, 'default'] })({})).toBe('default')
      expect(compileLogic({ missing: [path] })({})).toEqual([path])
      expect(explainLogic({ var: path }, {}).value).toBe(null)
    },
  )

  it('never reads inherited getters, and reads own keys named like prototype members', () => {
    class Profile {
      get secret() {
        return 'inherited'
      }
    }
    expect(compileLogic({ var: 'secret' })(new Profile())).toBe(null)
    const data = JSON.parse('{"__proto__": {"x": 1}, "constructor": 2}')
    expect(compileLogic({ var: '__proto__.x' })(data)).toBe(1)
    expect(compileLogic({ var: 'constructor' })(data)).toBe(2)
  })

  it('ignores properties added to Object.prototype, even after compiling', () => {
    const short = compileLogic({ var: 'polluted' })
    const nested = compileLogic({ var: 'a.polluted' })
    const deep = compileLogic({ var: 'a.b.polluted' })
    const prototype = Object.prototype as Record<string, unknown>
    prototype.polluted = 'yes'
    try {
      expect([short({}), nested({ a: {} }), deep({ a: { b: {} } })]).toEqual([null, null, null])
      expect(short({ polluted: 'own' })).toBe('own')
    } finally {
      delete prototype.polluted
    }
  })

  it('accepts any value as data', () => {
    const evaluate = compileLogic({ var: 'a.b' })
    for (const data of [undefined, null, 1, 'ab', true, [], () => 1, new Map([['a', 1]])]) {
      expect(evaluate(data)).toBe(null)
    }
  })

  it('treats operation names as names, not object members', () => {
    for (const op of ['constructor', 'toString', '__proto__']) {
      expect(() => compileLogic(JSON.parse(`{"${op}": []}`))).toThrow(LogicError)
    }
  })
})
