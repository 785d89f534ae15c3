// Fast paths the compiler puts in front of the shared semantics (`logic-ops.ts`) for the shapes
// that dominate tag expressions: paths known at compile time, two-operand comparisons and
// arithmetic on numbers, `and`/`or`/`if` as nested pairs, membership in a literal list. Each one
// falls back to the shared implementation whenever its shortcut does not apply, so results and
// errors are the same as the generic evaluation.
import { catOfChoices } from './choice-text.ts'
import { compileGlob } from './glob.ts'
import {
  combineSlotTests,
  compareBoth,
  compareSlot,
  compareTo,
  identitySlot,
} from './fast-compare.ts'
import { divide, minus, modulo, plus, times } from './math.ts'
import type { Evaluate } from './operation.ts'
import { pathReader } from './path.ts'
import { numberFor, pathSegments, toText, truthy } from './values.ts'

/** The value of a compiled constant, if `fn` is one. */
export type ConstantOf = (fn: Evaluate | undefined) => { value: unknown } | undefined

/** The slot a compiled `var` reads (see `CompileOptions.slot`), if `fn` is such a read. */
export type SlotOf = (fn: Evaluate | undefined) => number | undefined

type Slotted = { v: readonly unknown[] }

/** A specialized evaluator for `op` over `args`, or `undefined` to use the generic one. */
export function specialize(
  op: string,
  args: readonly Evaluate[],
  constantOf: ConstantOf,
  slotOf: SlotOf = () => undefined,
): Evaluate | undefined {
  const [a, b] = args
  switch (op) {
    case 'var':
      return readPath(args, constantOf)
    case '==':
    case '!=':
    case '<':
    case '<=':
    case '>':
    case '>=': {
      if (args.length !== 2) return undefined
      const right = constantOf(b)?.value
      if (typeof right === 'number' || typeof right === 'string') {
        const slot = slotOf(a)
        return slot === undefined ? compareTo(op, a!, right) : compareSlot(op, slot, right)
      }
      return compareBoth(op, a!, b!)
    }
    case '===':
    case '!==': {
      if (args.length !== 2) return undefined
      const right = constantOf(b)
      const equal = op === '==='
      const slot = slotOf(a)
      if (right && slot !== undefined) return identitySlot(op, slot, right.value)
      if (right) return (data) => (a!(data) === right.value) === equal
      return (data) => (a!(data) === b!(data)) === equal
    }
    case '+':
    case '-':
    case '*':
    case '/':
    case '%':
      return args.length === 2 ? arithmetic(op, a!, b!) : undefined
    case 'and':
    case 'or':
      if (args.length === 2) {
        const fused = combineSlotTests(op, a!, b!)
        if (fused) return fused
      }
      return args.length === 1 ? a : args.length > 1 ? logical(op, args) : undefined
    case 'if':
    case '?:':
      return args.length % 2 === 1 && args.length > 1 ? choice(args, constantOf) : undefined
    case '!':
    case '!!': {
      if (args.length !== 1) return undefined
      const slot = slotOf(a)
      const negate = op === '!'
      if (slot !== undefined) return (data) => truthy((data as Slotted).v[slot] ?? null) !== negate
      return negate ? (data) => !truthy(a!(data)) : (data) => truthy(a!(data))
    }
    case 'in': {
      if (args.length !== 2) return undefined
      const slot = slotOf(a)
      const list = constantOf(b)?.value
      if (slot !== undefined && isPrimitiveList(list)) {
        const set = new Set(list)
        return (data) => set.has((data as Slotted).v[slot] ?? null)
      }
      return membership(a!, list)
    }
    case 'cat':
      return catOfChoices(args, constantOf) ?? concatenate(args, constantOf)
    case 'substr':
      return substring(args, constantOf, slotOf)
    case 'glob': {
      const pattern = constantOf(a)?.value
      if (args.length !== 2 || typeof pattern !== 'string') return undefined
      const matches = compileGlob(pattern)
      return (data) => {
        const text = b!(data)
        return typeof text === 'string' && matches(text)
      }
    }
  }
  return undefined
}

// `and`/`or` of n arguments as nested pairs, `{"and": [a, b, c]}` as `a and (b and c)`: the same
// result, and every call site sees few kinds of callee.
function logical(op: 'and' | 'or', args: readonly Evaluate[]): Evaluate {
  const a = args[0]!
  const b = args.length === 2 ? args[1]! : logical(op, args.slice(1))
  if (op === 'or') {
    return (data) => {
      const x = a(data)
      return truthy(x) ? x : b(data)
    }
  }
  return (data) => {
    const x = a(data)
    return truthy(x) ? b(data) : x
  }
}

// `if` with an else branch, `[c1, t1, c2, t2, e]` as `c1 ? t1 : (c2 ? t2 : e)`. Constant branches
// (tier labels, case values) are returned as values rather than through a call.
function choice(args: readonly Evaluate[], constantOf: ConstantOf): Evaluate {
  const [test, then] = args as [Evaluate, Evaluate]
  const otherwise = args.length === 3 ? args[2]! : choice(args.slice(2), constantOf)
  const yes = constantOf(then)
  const no = constantOf(otherwise)
  if (yes && no) {
    const [y, n] = [yes.value, no.value]
    return (data) => (truthy(test(data)) ? y : n)
  }
  if (yes) {
    const y = yes.value
    return (data) => (truthy(test(data)) ? y : otherwise(data))
  }
  if (no) {
    const n = no.value
    return (data) => (truthy(test(data)) ? then(data) : n)
  }
  return (data) => (truthy(test(data)) ? then(data) : otherwise(data))
}

// `cat` as one loop over its parts, constant parts turned into text once.
function concatenate(args: readonly Evaluate[], constantOf: ConstantOf): Evaluate {
  const parts = args.map((arg) => {
    const constant = constantOf(arg)
    return constant ? toText(constant.value) : arg
  })
  return (data) => {
    let text = ''
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!
      text += typeof part === 'string' ? part : toText(part(data))
    }
    return text
  }
}

// `substr` with a literal start (and length): the numbers are checked once, and there is no array
// of evaluated arguments per evaluation. Not when a literal is not a number (the generic one
// throws, after evaluating the text).
function substring(
  args: readonly Evaluate[],
  constantOf: ConstantOf,
  slotOf: SlotOf,
): Evaluate | undefined {
  const [source, start, length] = args
  const from = constantOf(start)
  const count = length === undefined ? { value: null } : constantOf(length)
  if (args.length < 2 || args.length > 3 || !from || !count) return undefined
  let begin: number
  let size: number | undefined
  try {
    begin = numberFor('substr', from.value)
    size = count.value === null ? undefined : numberFor('substr', count.value)
  } catch {
    return undefined
  }
  const cut = (text: string) =>
    size === undefined ? text.slice(begin) : text.slice(begin).slice(0, size)
  const slot = slotOf(source)
  if (slot !== undefined) return (data) => cut(toText((data as Slotted).v[slot] ?? null))
  return (data) => cut(toText(source!(data)))
}

// `var` with a literal path: split once, read by a reader specialized for it.
function readPath(args: readonly Evaluate[], constantOf: ConstantOf): Evaluate | undefined {
  const path = args.length === 0 ? { value: null } : constantOf(args[0])
  const segments = path && pathSegments(path.value)
  if (segments === undefined) return undefined
  const read = pathReader(segments)
  const fallback = args[1]
  return fallback === undefined ? read : (data) => read(data) ?? fallback(data)
}

// Two numbers with a finite result take the shortcut; anything else (coercion, errors) goes
// through the shared implementation.
function arithmetic(op: '+' | '-' | '*' | '/' | '%', a: Evaluate, b: Evaluate): Evaluate {
  const finite = (r: number): boolean => r - r === 0
  switch (op) {
    case '+':
      return (data) => {
        const x = a(data)
        const y = b(data)
        if (typeof x === 'number' && typeof y === 'number' && finite(x + y)) return x + y
        return plus([x, y])
      }
    case '-':
      return (data) => {
        const x = a(data)
        const y = b(data)
        if (typeof x === 'number' && typeof y === 'number' && finite(x - y)) return x - y
        return minus([x, y])
      }
    case '*':
      return (data) => {
        const x = a(data)
        const y = b(data)
        if (typeof x === 'number' && typeof y === 'number' && finite(x * y)) return x * y
        return times([x, y])
      }
    case '/':
      return (data) => {
        const x = a(data)
        const y = b(data)
        if (typeof x === 'number' && typeof y === 'number' && finite(x / y)) return x / y
        return divide([x, y])
      }
    case '%':
      return (data) => {
        const x = a(data)
        const y = b(data)
        if (typeof x === 'number' && typeof y === 'number' && finite(x % y)) return x % y
        return modulo([x, y])
      }
  }
}

const isPrimitiveList = (list: unknown): list is unknown[] =>
  Array.isArray(list) && list.every((item) => item === null || typeof item !== 'object')

// `in` a literal list of primitives becomes a Set lookup; `in` a literal string a substring test.
function membership(needle: Evaluate, list: unknown): Evaluate | undefined {
  if (typeof list === 'string') return (data) => list.includes(toText(needle(data)))
  if (!isPrimitiveList(list)) return undefined
  const set = new Set(list)
  return (data) => set.has(needle(data))
}
