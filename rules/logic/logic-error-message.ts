// LogicErrors in words, where a person reads them: explanations, validation, the errors of the
// public `compileLogic`. Apart from the error itself, so that devices, which only evaluate, carry
// none of the wording.
import { LogicError } from './logic-error.ts'

/** A short description of a value for error messages (never the whole of a large value). */
export function describe(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)
  }
  if (Array.isArray(value)) return 'an array'
  if (value === null || typeof value !== 'object') return String(value)
  return 'an object'
}

/**
 * What `error` says, in words; `hint` follows an unknown operation's name (validation and the
 * compiler suggest the closest known one).
 *
 * @example
 * logicErrorMessage(notANumber('+', 'A')) // '"+" needs numbers, got "A"'
 */
export function logicErrorMessage(error: LogicError, hint = ''): string {
  const { type, op, detail } = error
  if (type === 'Unknown Operator') return `unknown operation "${op}"${hint}`
  if (type === 'Invalid Arguments') return `"${op}" needs ${detail.needs}`
  return 'got' in detail
    ? `"${op}" needs numbers, got ${describe(detail.got)}`
    : `"${op}" has no finite result`
}

/** A LogicError with its message in words (the same error, for the code that catches it). */
export function inWords(error: LogicError, hint?: string): LogicError {
  error.message = logicErrorMessage(error, hint)
  return error
}

/** What a failure says, in words: a LogicError's words, any other error's message. */
export const failureMessage = (error: unknown): string =>
  error instanceof LogicError
    ? logicErrorMessage(error)
    : error instanceof Error
      ? error.message
      : String(error)
