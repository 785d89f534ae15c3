// Fast paths the compiler puts in front of the shared semantics (`logic-ops.ts`) for the shapes
// that dominate tag expressions: paths known at compile time, two-operand comparisons and
// arithmetic on numbers, two-way `and`/`or`, `if`/`else`, membership in a literal list. Each one
// falls back to the shared implementation whenever its shortcut does not apply, so results and
// errors are the same as the generic evaluation.
import { compileGlob } from './glob.ts'
import { divide, minus, modulo, plus, times } from './logic-math.ts'
import type { Evaluate } from './logic-ops.ts'
import { compare, lookup, own, pathSegments, toText, truthy } from './logic-values.ts'
import type { Comparison } from './logic-values.ts'

/** The value of a compiled constant, if `fn` is one. */
export type ConstantOf = (fn: Evaluate | undefined) => { value: unknown } | undefined

/** A specialized evaluator for `op` over `args`, or `undefined` to use the generic one. */
export function specialize(
  op: string,
  args: readonly Evaluate[],
  constantOf: ConstantOf,
): Evaluate | undefined {
  const [a, b, c] = args
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
      return typeof right === 'number' ? compareTo(op, a!, right) : compareBoth(op, a!, b!)
    }
    case '===':
    case '!==': {
      if (args.length !== 2) return undefined
      const right = constantOf(b)
      const equal = op === '==='
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
      if (args.length !== 2) return undefined
      return (data) => {
        const x = a!(data)
        return truthy(x) ? b!(data) : x
      }
    case 'or':
      if (args.length !== 2) return undefined
      return (data) => {
        const x = a!(data)
        return truthy(x) ? x : b!(data)
      }
    case 'if':
    case '?:':
      return args.length === 3 ? (data) => (truthy(a!(data)) ? b!(data) : c!(data)) : undefined
    case '!':
      return args.length === 1 ? (data) => !truthy(a!(data)) : undefined
    case '!!':
      return args.length === 1 ? (data) => truthy(a!(data)) : undefined
    case 'in':
      return args.length === 2 ? membership(a!, constantOf(b)?.value) : undefined
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

// `var` with a literal path: split once, with unrolled reads for the common short paths.
function readPath(args: readonly Evaluate[], constantOf: ConstantOf): Evaluate | undefined {
  const path = args.length === 0 ? { value: null } : constantOf(args[0])
  const segments = path && pathSegments(path.value)
  if (segments === undefined) return undefined
  const fallback = args[1]
  const [k1, k2, k3] = segments as [string, string, string]
  let read: Evaluate
  if (segments.length === 0) read = (data) => data
  else if (segments.length === 1) read = (data) => own(data, k1)
  else if (segments.length === 2) read = (data) => own(own(data, k1), k2)
  else if (segments.length === 3) read = (data) => own(own(own(data, k1), k2), k3)
  else read = (data) => lookup(data, segments)
  if (fallback === undefined) return (data) => read(data) ?? null
  return (data) => read(data) ?? fallback(data)
}

function compareTo(op: Comparison, a: Evaluate, n: number): Evaluate {
  const number = (x: unknown): x is number => typeof x === 'number' && x === x
  switch (op) {
    case '==':
      return (data) => {
        const x = a(data)
        return number(x) ? x === n : compare(op, x, n)
      }
    case '!=':
      return (data) => {
        const x = a(data)
        return number(x) ? x !== n : compare(op, x, n)
      }
    case '<':
      return (data) => {
        const x = a(data)
        return number(x) ? x < n : compare(op, x, n)
      }
    case '<=':
      return (data) => {
        const x = a(data)
        return number(x) ? x <= n : compare(op, x, n)
      }
    case '>':
      return (data) => {
        const x = a(data)
        return number(x) ? x > n : compare(op, x, n)
      }
    case '>=':
      return (data) => {
        const x = a(data)
        return number(x) ? x >= n : compare(op, x, n)
      }
  }
}

function compareBoth(op: Comparison, a: Evaluate, b: Evaluate): Evaluate {
  const numbers = (x: unknown, y: unknown): boolean =>
    typeof x === 'number' && typeof y === 'number' && x === x && y === y
  switch (op) {
    case '==':
      return (data) => {
        const x = a(data)
        const y = b(data)
        return numbers(x, y) ? x === y : compare(op, x, y)
      }
    case '!=':
      return (data) => {
        const x = a(data)
        const y = b(data)
        return numbers(x, y) ? x !== y : compare(op, x, y)
      }
    case '<':
      return (data) => {
        const x = a(data)
        const y = b(data)
        return numbers(x, y) ? (x as number) < (y as number) : compare(op, x, y)
      }
    case '<=':
      return (data) => {
        const x = a(data)
        const y = b(data)
        return numbers(x, y) ? (x as number) <= (y as number) : compare(op, x, y)
      }
    case '>':
      return (data) => {
        const x = a(data)
        const y = b(data)
        return numbers(x, y) ? (x as number) > (y as number) : compare(op, x, y)
      }
    case '>=':
      return (data) => {
        const x = a(data)
        const y = b(data)
        return numbers(x, y) ? (x as number) >= (y as number) : compare(op, x, y)
      }
  }
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

// `in` a literal list of primitives becomes a Set lookup; `in` a literal string a substring test.
function membership(needle: Evaluate, list: unknown): Evaluate | undefined {
  if (typeof list === 'string') return (data) => list.includes(toText(needle(data)))
  if (!Array.isArray(list) || list.some((item) => item !== null && typeof item === 'object')) {
    return undefined
  }
  const set = new Set(list)
  return (data) => set.has(needle(data))
}
