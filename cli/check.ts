// `tagwise check RULES.json`: validates a rules document.
import { readFile, stat } from 'node:fs/promises'
import {
  checkRules,
  compileRules,
  DOCUMENT_LIMITS,
  formatProblem,
  RulesError,
  type Problem,
  type Rules,
} from '../rules/index.ts'
import { CliError, readError } from './cli-error.ts'
import { oneLine, type Output } from './output.ts'
import { parse, usageError } from './usage.ts'

export async function check(args: string[], out: Output, err: Output): Promise<number> {
  const [path] = parse(args, {}, 1).positionals
  if (path === undefined) throw usageError('check needs the rules file: tagwise check RULES.json')
  const result = checkRules(await readRules(path))
  for (const problem of result.problems) err.write(`${problemLine(path, problem)}\n`)
  for (const warning of result.warnings) err.write(`warning: ${oneLine(formatProblem(warning))}\n`)
  if (!result.ok) return 1
  const { metrics, tags, deviceTags } = result.summary
  out.write(`ok: ${metrics} metrics, ${tags} tags (${deviceTags} on device)\n`)
  return 0
}

/**
 * A problem as one line: `path: message`, where a problem with the whole document (not valid
 * JSON, not an object) names the file instead of a path inside it.
 */
const problemLine = (file: string, problem: Problem) =>
  oneLine(problem.path ? formatProblem(problem) : `${file}: ${problem.message}`)

export async function readRules(path: string): Promise<string> {
  try {
    const file = await stat(path)
    if (file.isDirectory()) throw readError('rules', path, { code: 'EISDIR' })
    if (file.size > DOCUMENT_LIMITS.bytes)
      throw new CliError(`${path}: the document is larger than 1 MB (${file.size} bytes)`, 1)
    return (await readFile(path, 'utf8')).replace(/^\uFEFF/, '')
  } catch (error) {
    throw readError('rules', path, error)
  }
}

/** The compiled rules of `path`, or `undefined` after writing every problem to `err`. */
export async function compileRulesFile(path: string, err: Output): Promise<Rules | undefined> {
  const text = await readRules(path)
  try {
    return compileRules(text)
  } catch (error) {
    if (!(error instanceof RulesError)) throw error
    for (const problem of error.problems) err.write(`${problemLine(path, problem)}\n`)
    return undefined
  }
}
