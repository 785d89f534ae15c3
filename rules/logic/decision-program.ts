// `and`/`or`/`if`/`!`/`!!` trees compiled into one flat decision program: a list of tests, each
// naming the next test (or the result) for true and for false, run by one loop. A tag expression
// such as a lifecycle stage (an `if` chain of `and`s of `var OP constant`) then costs one closure
// call and a few array reads instead of a tree of closures whose shared call sites see every tag's
// functions (megamorphic calls, which V8 cannot inline). Speed only: the tests run in the order,
// and with the short-circuits, of the generic evaluation, each with the same result or error, and
// the program returns the same value (`and`/`or` return an operand, not a boolean).
import { Code, rangeOf, COMPARISONS } from './decision-test.ts'
import { skipKnownTests } from './decision-threading.ts'
import type { Test } from './decision-test.ts'
import type { Evaluate } from './operation.ts'
import { compare, truthy } from './values.ts'
import type { Comparison } from './values.ts'

/** The value of a compiled constant, if `fn` is one. */
type ConstantOf = (fn: Evaluate | undefined) => { value: unknown } | undefined
/** The slot a compiled `var` reads, if `fn` is such a read. */
type SlotOf = (fn: Evaluate | undefined) => number | undefined

/** An operation the program understands, as the compiler compiled it: kept to build programs of. */
interface Node {
  op: string
  args: readonly Evaluate[]
}

const nodes = new WeakMap<Evaluate, Node>()

/** The operations whose compiled nodes a program looks into; the others are called as they are. */
const UNDERSTOOD = new Set([
  'and',
  'or',
  'if',
  '?:',
  '!',
  '!!',
  'in',
  '===',
  '!==',
  '==',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
])

/** Records how `fn` was compiled, so that an enclosing `and`/`or`/`if` can take it apart. */
export function rememberNode(fn: Evaluate, op: string, args: readonly Evaluate[]): void {
  // `{"and": [x]}` compiles to `x` itself: its own node, if any, stays.
  if (UNDERSTOOD.has(op) && !args.includes(fn)) nodes.set(fn, { op, args })
}

const NO_SET: ReadonlySet<unknown> = new Set()
const NOTHING: Evaluate = () => null

const enum EndKind {
  Constant = 0,
  Slot = 1,
  /** The value the last `Call` test kept (an operand `and`/`or` return). */
  Kept = 2,
  Call = 3,
}

/** The operand of a test (the others keep their neutral values). */
type Operand = Partial<
  Pick<Test, 'lo' | 'hi' | 'comparison' | 'number' | 'string' | 'same' | 'set' | 'fn'>
>

/** What the program returns where it ends. */
interface End {
  kind: EndKind
  value: unknown
  slot: number
  fn: Evaluate
}

/** A test, or an end (`~index`); `VALUE` while building: "the value of the expression tested". */
type Exit = number | typeof VALUE
const VALUE = 'value'

/** Programs longer than this fall back to the closures (it bounds the work of nested programs). */
const MAX_TESTS = 256

class Builder {
  readonly tests: Test[] = []
  readonly ends: End[] = []
  slotted = false

  constructor(
    private readonly constantOf: ConstantOf,
    private readonly slotOf: SlotOf,
  ) {}

  /** The exit to take for `fn`: its value is tested, and `yes`/`no` follow (or its value is the result). */
  branch(fn: Evaluate, yes: Exit, no: Exit): number {
    const constant = this.constantOf(fn)
    if (constant) {
      const next = truthy(constant.value) ? yes : no
      return next === VALUE ? this.end(EndKind.Constant, constant.value) : next
    }
    const slot = this.slotOf(fn)
    if (slot !== undefined) {
      if (yes === VALUE && no === VALUE) return this.end(EndKind.Slot, null, slot)
      const value = () => this.end(EndKind.Slot, null, slot)
      return this.test(
        Code.Truthy,
        slot,
        yes === VALUE ? value() : yes,
        no === VALUE ? value() : no,
      )
    }
    const node = nodes.get(fn)
    return node ? this.node(node, fn, yes, no) : this.call(fn, yes, no)
  }

  node({ op, args }: Node, fn: Evaluate, yes: Exit, no: Exit): number {
    const n = args.length
    switch (op) {
      case 'and':
      case 'or': {
        if (n === 0) break
        // Built from the last operand back, so that every exit is known when a test is added.
        let next = this.branch(args[n - 1]!, yes, no)
        for (let i = n - 2; i >= 0; i--) {
          next = op === 'and' ? this.branch(args[i]!, next, no) : this.branch(args[i]!, yes, next)
        }
        return next
      }
      case 'if':
      case '?:': {
        // `[c1, r1, c2, r2, else]`; without an else, `null`; `[x]` is `x`.
        let next = n % 2 === 1 ? this.branch(args[n - 1]!, yes, no) : this.constant(null, yes, no)
        for (let i = n - (n % 2 === 1 ? 3 : 2); i >= 0; i -= 2) {
          next = this.branch(args[i]!, this.branch(args[i + 1]!, yes, no), next)
        }
        return next
      }
      case '!':
      case '!!':
        if (n !== 1) break
        return op === '!'
          ? this.branch(args[0]!, this.boolean(no, false), this.boolean(yes, true))
          : this.branch(args[0]!, this.boolean(yes, true), this.boolean(no, false))
      default:
        return (
          this.slotTest(op, args, this.boolean(yes, true), this.boolean(no, false)) ??
          this.call(fn, yes, no)
        )
    }
    return this.call(fn, yes, no)
  }

  /** `var OP constant` on a slot as one test, if `op` and its arguments are of that shape. */
  slotTest(op: string, args: readonly Evaluate[], yes: number, no: number): number | undefined {
    if (args.length !== 2) return undefined
    const slot = this.slotOf(args[0])
    const constant = this.constantOf(args[1])
    if (slot === undefined || !constant) return undefined
    const k = constant.value
    switch (op) {
      case '===':
      case '!==': {
        const [onSame, onOther] = op === '===' ? [yes, no] : [no, yes]
        return this.test(Code.Same, slot, onSame, onOther, { same: k })
      }
      case 'in':
        if (!isPrimitiveList(k)) return undefined
        return this.test(Code.InSet, slot, yes, no, { set: new Set(k) })
    }
    if (!isComparison(op)) return undefined
    if (typeof k === 'number' && k === k) {
      const [lo, hi] = rangeOf(op, k)
      const [inside, outside] = op === '!=' ? [no, yes] : [yes, no]
      return this.test(Code.Range, slot, inside, outside, { lo, hi, comparison: op, number: k })
    }
    if (typeof k === 'string') {
      const code = Code.LessString + COMPARISONS.indexOf(op)
      return this.test(code, slot, yes, no, { string: k })
    }
    return undefined
  }

  /** Any other expression: called, its value kept (it may be the result: an operand of `and`/`or`). */
  call(fn: Evaluate, yes: Exit, no: Exit): number {
    if (yes === VALUE && no === VALUE) return this.end(EndKind.Call, null, -1, fn)
    const kept = () => this.end(EndKind.Kept, null)
    return this.test(Code.Call, -1, yes === VALUE ? kept() : yes, no === VALUE ? kept() : no, {
      fn,
    })
  }

  constant(value: unknown, yes: Exit, no: Exit): number {
    const next = truthy(value) ? yes : no
    return next === VALUE ? this.end(EndKind.Constant, value) : next
  }

  /** The exit of a test whose value is the boolean `value`. */
  boolean(exit: Exit, value: boolean): number {
    return exit === VALUE ? this.end(EndKind.Constant, value) : exit
  }

  test(code: Code, slot: number, yes: number, no: number, operand: Operand = {}): number {
    if (this.tests.length >= MAX_TESTS) throw TOO_LONG
    if (slot >= 0) this.slotted = true
    // Every field in the same order: one object shape for every test.
    const { lo = 0, hi = 0, comparison = '==', number = 0, string = '' } = operand
    const { same = null, set = NO_SET, fn = NOTHING } = operand
    const test = { code, slot, lo, hi, comparison, number, string, same, set, fn, yes, no }
    return this.tests.push(test) - 1
  }

  end(kind: EndKind, value: unknown, slot = -1, fn: Evaluate = NOTHING): number {
    if (slot >= 0) this.slotted = true
    return ~(this.ends.push({ kind, value, slot, fn }) - 1)
  }
}

const TOO_LONG = new Error('decision program too long')

const COMPARISON_NAMES: ReadonlySet<string> = new Set(COMPARISONS)
const isComparison = (op: string): op is Comparison => COMPARISON_NAMES.has(op)

const isPrimitiveList = (list: unknown): list is unknown[] =>
  Array.isArray(list) && list.every((item) => item === null || typeof item !== 'object')

type Slotted = { v: readonly unknown[] }
const NO_SLOTS: readonly unknown[] = []

/**
 * `and`/`or`/`if`/`?:`/`!`/`!!` over `args` as one decision program, or `undefined` when it would
 * not help (no test, or too long).
 */
export function decisionProgram(
  op: string,
  args: readonly Evaluate[],
  constantOf: ConstantOf,
  slotOf: SlotOf,
): Evaluate | undefined {
  const builder = new Builder(constantOf, slotOf)
  let entry: number
  try {
    entry = builder.node({ op, args }, NOTHING, VALUE, VALUE)
  } catch (error) {
    if (error === TOO_LONG) return undefined
    throw error
  }
  const { ends, slotted } = builder
  if (entry < 0 || builder.tests.every((test) => test.code === Code.Call)) return undefined
  const program = skipKnownTests(builder.tests, entry)
  const { tests } = program
  const start = program.entry
  const fn: Evaluate = (data) =>
    run(tests, ends, start, slotted ? (data as Slotted).v : NO_SLOTS, data)
  if (ends.every((end) => end.kind === EndKind.Constant)) {
    choices.set(fn, { tests, entry: start, values: ends.map((end) => end.value), slotted })
  }
  return fn
}

/** A program that ends in constants only: which one it ends in, by {@link decide}. */
export interface Choice {
  tests: readonly Test[]
  entry: number
  /** The constant of each end. */
  values: readonly unknown[]
  /** Whether its tests read slots (`data.v`). */
  slotted: boolean
}

const choices = new WeakMap<Evaluate, Choice>()

/** The program `fn` runs, if it is a decision program that ends in constants only. */
export const choiceOf = (fn: Evaluate): Choice | undefined => choices.get(fn)

/** The value the last `Call` test kept: read by `run` as soon as {@link decide} returns. */
let kept: unknown = null

// The loop switches on the codes of const enums, which the build inlines as literals: V8 compiles
// literal cases into a jump table (cases reading an object's properties, a chain of comparisons,
// were measured a third slower). Every comparison against a number is one range test, so that
// there is no second dispatch on the comparison.
/**
 * Runs the tests from `entry` and returns the index of the end reached. A `Call` test's value is
 * left in `kept` (a program run inside that call has finished by then, so the last write is this
 * program's own).
 */
export function decide(
  tests: readonly Test[],
  entry: number,
  v: readonly unknown[],
  data: unknown,
): number {
  let at = entry
  while (at >= 0) {
    const test = tests[at]!
    const code = test.code
    let holds: boolean
    if (code === Code.Range) {
      const x = v[test.slot]
      holds =
        typeof x === 'number' && x === x ? x >= test.lo && x <= test.hi : outsideNumbers(test, x)
    } else if (code < Code.Same) {
      // Against a string constant (`Code.LessString` … `Code.UnequalString`).
      const x = v[test.slot] ?? null
      holds =
        typeof x === 'string'
          ? holdsFor(code - Code.LessString, x, test.string)
          : compare(COMPARISONS[code - Code.LessString]!, x, test.string)
    } else {
      switch (code) {
        case Code.Same:
          holds = (v[test.slot] ?? null) === test.same
          break
        case Code.Truthy:
          holds = truthy(v[test.slot] ?? null)
          break
        case Code.InSet:
          holds = test.set.has(v[test.slot] ?? null)
          break
        default: // Code.Call
          kept = test.fn(data)
          holds = truthy(kept)
      }
    }
    at = holds ? test.yes : test.no
  }
  return at
}

/** Runs the program and returns the value of the end reached. */
function run(
  tests: readonly Test[],
  ends: readonly End[],
  entry: number,
  v: readonly unknown[],
  data: unknown,
): unknown {
  const end = ends[~decide(tests, entry, v, data)]!
  switch (end.kind) {
    case EndKind.Constant:
      return end.value
    case EndKind.Slot:
      return v[end.slot] ?? null
    case EndKind.Kept:
      return kept
    default: // EndKind.Call
      return end.fn(data)
  }
}

/**
 * A `Code.Range` test of a value that is not a number (or NaN): the shared `compare` with the
 * written comparison (its coercions and errors); `!=` is tested as `==`, its exits swapped.
 */
function outsideNumbers(test: Test, x: unknown): boolean {
  const holds = compare(test.comparison, x ?? null, test.number)
  return test.comparison === '!=' ? !holds : holds
}

/** `x op y` for the comparison at `index` of {@link COMPARISONS}, on two strings. */
function holdsFor(index: number, x: string, y: string): boolean {
  switch (index) {
    case 0:
      return x < y
    case 1:
      return x <= y
    case 2:
      return x > y
    case 3:
      return x >= y
    case 4:
      return x === y
    default:
      return x !== y
  }
}
