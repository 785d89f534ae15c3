/** The kinds of JsonLogic errors, named as in the JsonLogic conformance suites. */
export type LogicErrorType = 'NaN' | 'Invalid Arguments' | 'Unknown Operator'

/** What went wrong, as data: `logicErrorMessage` (logic-error-message.ts) puts it in words. */
export interface LogicErrorDetail {
  /** What the operation needs (`Invalid Arguments`): "an array of arguments", "at least 2 arguments"… */
  needs?: string
  /** The value that is not a number (`NaN`; without it, the result was not a finite number). */
  got?: unknown
}

/**
 * Thrown by a compiled JsonLogic expression that cannot produce a value (`NaN`: a value that is not
 * a number where one is needed, or a result that is not a finite number; `Invalid Arguments`: an
 * operation given the wrong shape of arguments), and by `compileLogic` for an unknown operation.
 *
 * It carries what went wrong as data (`type`, `op`, `detail`) under a short message. Where a person
 * reads it, it is put in words (`"+" needs numbers, got "A"`): in explanations, validation and the
 * errors `compileLogic`'s expressions throw. A device evaluating tags never reads a message, so it
 * carries no wording.
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
  /** The operation that failed. */
  declare readonly op: string
  declare readonly detail: LogicErrorDetail
  constructor(type: LogicErrorType, op: string, detail: LogicErrorDetail = {}) {
    super(`${type}: "${op}"`)
    this.name = 'LogicError'
    this.type = type
    this.op = op
    this.detail = detail
  }
}

export const notANumber = (op: string, value: unknown): LogicError =>
  new LogicError('NaN', op, { got: value })

export const notFinite = (op: string): LogicError => new LogicError('NaN', op)

export const invalidArguments = (op: string, needs: string): LogicError =>
  new LogicError('Invalid Arguments', op, { needs })

/** An evaluator that always fails with `error` (an expression that can never be evaluated). */
export function thrower(error: LogicError): () => never {
  return () => {
    throw error
  }
}
