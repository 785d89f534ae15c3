// The numeric operations: arithmetic, `max`/`min` and the durations (`days`, `hours`, ...). Every
// operand goes through `numberFor`, and a result that is not a finite number is an error (JSON
// cannot carry `NaN` or `Infinity`).
import { invalidArguments, notFinite } from './logic-error.ts'
import { numberFor } from './logic-values.ts'

/** Returns `n`, or throws `LogicError('NaN')` when it is `NaN` or infinite. */
function finite(op: string, n: number): number {
  if (n - n !== 0) throw notFinite(op)
  return n
}

export function plus(values: readonly unknown[]): number {
  let sum = 0
  for (const value of values) sum += numberFor('+', value)
  return finite('+', sum)
}

export function times(values: readonly unknown[]): number {
  let product = 1
  for (const value of values) product *= numberFor('*', value)
  return finite('*', product)
}

export function minus(values: readonly unknown[]): number {
  if (values.length === 0) throw invalidArguments('-', 'at least 1 argument')
  let result = numberFor('-', values[0])
  if (values.length === 1) return finite('-', 0 - result)
  for (let i = 1; i < values.length; i++) result -= numberFor('-', values[i])
  return finite('-', result)
}

export function divide(values: readonly unknown[]): number {
  if (values.length === 0) throw invalidArguments('/', 'at least 1 argument')
  let result = numberFor('/', values[0])
  if (values.length === 1) return finite('/', 1 / result)
  for (let i = 1; i < values.length; i++) result /= numberFor('/', values[i])
  return finite('/', result)
}

export function modulo(values: readonly unknown[]): number {
  if (values.length < 2) throw invalidArguments('%', 'at least 2 arguments')
  let result = numberFor('%', values[0])
  for (let i = 1; i < values.length; i++) result %= numberFor('%', values[i])
  return finite('%', result)
}

function extreme(op: 'max' | 'min'): (values: readonly unknown[]) => number {
  return (values) => {
    if (values.length === 0) throw invalidArguments(op, 'at least 1 argument')
    let result = numberFor(op, values[0])
    for (let i = 1; i < values.length; i++) {
      const n = numberFor(op, values[i])
      if (op === 'max' ? n > result : n < result) result = n
    }
    return result
  }
}

export const max = extreme('max')
export const min = extreme('min')

export function duration(op: string, milliseconds: number): (values: readonly unknown[]) => number {
  return ([n]) => finite(op, numberFor(op, n) * milliseconds)
}
