// The numeric operations: arithmetic, `max`/`min` and the durations (`days`, `hours`, ...). Every
// operand goes through `numberFor`, and a result that is not a finite number is an error (JSON
// cannot carry `NaN` or `Infinity`).
import { invalidArguments, notFinite } from './logic-error.ts'
import { numberFor } from './values.ts'

type Values = readonly unknown[]

/** Returns `n`, or throws `LogicError('NaN')` when it is `NaN` or infinite. */
function finite(op: string, n: number): number {
  if (n - n !== 0) throw notFinite(op)
  return n
}

/**
 * `op` as a left fold of its operands with `step`, after checking there are at least `least`.
 * With a `unit`, the fold starts from it: always when no operand is required (`+`, `*`), else
 * only for a lone operand (`-x` is `0 - x`, `/x` is `1 / x`).
 */
function fold(
  op: string,
  least: number,
  step: (result: number, n: number) => number,
  unit?: number,
): (values: Values) => number {
  return (values) => {
    if (values.length < least) {
      throw invalidArguments(op, least > 1 ? 'at least 2 arguments' : 'at least 1 argument')
    }
    const seeded = unit !== undefined && (least === 0 || values.length === 1)
    let result = seeded ? unit : numberFor(op, values[0])
    for (let i = seeded ? 0 : 1; i < values.length; i++)
      result = step(result, numberFor(op, values[i]))
    return result
  }
}

/** `fold`, with a result that must be finite. */
function arithmetic(...[op, ...rest]: Parameters<typeof fold>): (values: Values) => number {
  const apply = fold(op, ...rest)
  return (values) => finite(op, apply(values))
}

export const plus = arithmetic('+', 0, (a, b) => a + b, 0)
export const times = arithmetic('*', 0, (a, b) => a * b, 1)
export const minus = arithmetic('-', 1, (a, b) => a - b, 0)
export const divide = arithmetic('/', 1, (a, b) => a / b, 1)
// Pure: device builds leave the rare operations (`%`, `max`, `min`: rules/logic-rare.ts) out of the
// core bundle only if the minifier may drop these unused definitions.
export const modulo = /* @__PURE__ */ arithmetic('%', 2, (a, b) => a % b)
export const max = /* @__PURE__ */ fold('max', 1, (a, b) => (b > a ? b : a))
export const min = /* @__PURE__ */ fold('min', 1, (a, b) => (b < a ? b : a))

export function duration(op: string, milliseconds: number): (values: Values) => number {
  return ([n]) => finite(op, numberFor(op, n) * milliseconds)
}
