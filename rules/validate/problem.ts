/** One problem found in a rules document: where (a JSON path) and what is wrong. */
export interface Problem {
  /** JSON path of the offending value, for example `tags.coupon_hunter.when`. */
  path: string
  /** Plain-language message that says what was expected. */
  message: string
}

/** Thrown by `compileRules` when a document has problems; `problems` lists every one of them. */
export class RulesError extends Error {
  readonly problems: Problem[]
  constructor(problems: Problem[]) {
    super(problems.map(formatProblem).join('\n'))
    this.name = 'RulesError'
    this.problems = problems
  }
}

/** `path: message`, or just the message for a problem with the whole document. */
export function formatProblem(problem: Problem): string {
  return problem.path ? `${problem.path}: ${problem.message}` : problem.message
}
