// `tagwise check RULES.json`: validates a rules document.
import { readFile, stat } from 'node:fs/promises'
import { checkRules, DOCUMENT_LIMITS, formatProblem } from '../rules/index.ts'
import { CliError, readError } from './cli-error.ts'
import { oneLine, type Output } from './output.ts'
import { parse, usageError } from './usage.ts'

export async function check(args: string[], out: Output, err: Output): Promise<number> {
  const [path] = parse(args, {}, 1).positionals
  if (path === undefined) throw usageError('check needs the rules file: tagwise check RULES.json')
  const result = checkRules(await readRules(path))
  for (const problem of result.problems) err.write(`${oneLine(formatProblem(problem))}\n`)
  for (const warning of result.warnings) err.write(`warning: ${oneLine(formatProblem(warning))}\n`)
  if (!result.ok) return 1
  const { metrics, tags, deviceTags } = result.summary
  out.write(`ok: ${metrics} metrics, ${tags} tags (${deviceTags} on device)\n`)
  return 0
}

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
