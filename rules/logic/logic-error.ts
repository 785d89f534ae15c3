/** The kinds of JsonLogic errors, named as in the JsonLogic conformance suites. */
export type LogicErrorType = 'NaN' | 'Invalid Arguments' | 'Unknown Operator'

/**
 * Thrown by a compiled JsonLogic expression that cannot produce a value (`NaN`: a value that is not
 * a number where one is needed, or a result that is not a finite number; `Invalid Arguments`: an
 * operation given the wrong shape of arguments), and by `compileLogic` for an unknown operation.
 *
 * @example
 * try {
 *   compileLogic({ '+': [1, 'A'] })(null)
 * } catch (error) {
 *   if (error instanceof LogicError) error.type // 'NaN'
 * }
 */
export class LogicError extends Error {
  // Declared, not a class field: assigned once in the constructor, without the field helper that
  // device builds (targeting ES2020) would otherwise carry.
  declare readonly type: LogicErrorType
  constructor(type: LogicErrorType, message: string) {
    super(message)
    this.name = 'LogicError'
    this.type = type
  }
}

/** A short description of a value for error messages (never the whole of a large value). */
export function describe(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)
  }
  if (Array.isArray(value)) return 'an array'
  if (value === null || typeof value !== 'object') return String(value)
  return 'an object'
}

export function notANumber(op: string, value: unknown): LogicError {
  return new LogicError('NaN', `"${op}" needs numbers, got ${describe(value)}`)
}

export function notFinite(op: string): LogicError {
  return new LogicError('NaN', `"${op}" has no finite result`)
}

export function invalidArguments(op: string, needs: string): LogicError {
  return new LogicError('Invalid Arguments', `"${op}" needs ${needs}`)
}

/** An evaluator that always fails with `error` (an expression that can never be evaluated). */
export function thrower(error: LogicError): () => never {
  return () => {
    throw error
  }
}
