import { parseArgs } from 'node:util'
import { CliError } from './cli-error.ts'

export const USAGE = `Usage:
  tagwise check RULES.json
  tagwise eval --rules RULES.json --events EVENTS.ndjson [--now ISO-8601] [--explain TAG_ID]
  tagwise fit --rules RULES.json --events EVENTS.ndjson --label LABEL [--features LIST]
              [--now ISO-8601] [--horizon DURATION] [--holdout 0.2] [--seed 1] [--l2 1]
              [--impute zero|mean] [--tag ID]

Commands:
  check  Validate a rules document: a one-line summary, or every problem as "path: message".
  eval   Evaluate every profile of an NDJSON event stream ("-" reads stdin), one JSON line each.
         --now defaults to the latest event timestamp; --explain adds why TAG_ID has its value.
  fit    Learn a score tag (L2 logistic regression) from the profiles at --now: the tag on stdout
         (a member of the rules' "tags"), a report on stderr. LABEL is JsonLogic over
         {metrics, tags, traits} or event:"Event Name" with --horizon 30d and --now (whether the
         profile does that event in (now, now + horizon]). Features default to every numeric
         metric (LIST: metrics.a,tags.b,traits.c); a missing value is fitted as 0, as the tag
         reads it (--impute mean: its mean). The threshold is the best F1 on the holdout.

  tagwise --version prints the version.

Exit codes: 0 ok, 1 problems in the rules or bad event lines, 2 bad usage.
`

/** A usage problem: the message, then the usage (exit code 2). */
export const usageError = (message: string) => new CliError(`${message}\n\n${USAGE.trimEnd()}`, 2)

/** Parses a command's arguments: only the given options, at most `positionals` positionals. */
export function parse(
  args: string[],
  options: Record<string, { type: 'string' }>,
  positionals: number,
) {
  try {
    const parsed = parseArgs({ args, options, allowPositionals: positionals > 0, strict: true })
    if (parsed.positionals.length > positionals)
      throw new Error(`unexpected argument "${parsed.positionals[positionals]}"`)
    return parsed
  } catch (error) {
    throw usageError(optionProblem(error as NodeJS.ErrnoException, Object.keys(options)))
  }
}

/**
 * Node's `parseArgs` errors in the CLI's words: which option, and what the command takes (Node
 * writes "Unknown option '--x'. To specify a positional argument starting with a '-', …").
 */
function optionProblem(error: NodeJS.ErrnoException, names: string[]): string {
  const option = /'(-{1,2}[^' ]+)/.exec(error.message)?.[1] ?? ''
  const takes = names.length
    ? `it takes ${names.map((name) => `--${name}`).join(', ')}`
    : 'it takes none'
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option "${option}" (${takes})`
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return `${option} needs a value`
  return error.message.split('. ')[0]!
}
