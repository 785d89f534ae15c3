// `tagwise eval --rules RULES.json --events EVENTS.ndjson`: every profile's tags and metrics.
import { didYouMean, type Rules } from '../rules/index.ts'
import { compileRulesFile } from './check.ts'
import { CliError } from './cli-error.ts'
import type { Output } from './output.ts'
import { parseNow, profilesAt } from './profiles-at.ts'
import { parse, usageError } from './usage.ts'

export async function evaluate(args: string[], out: Output, err: Output): Promise<number> {
  const string = { type: 'string' } as const
  const { values } = parse(args, { rules: string, events: string, now: string, explain: string }, 0)
  if (values.rules === undefined) throw usageError('eval needs --rules RULES.json')
  if (values.events === undefined) throw usageError('eval needs --events EVENTS.ndjson (or -)')
  const fixedNow = parseNow(values.now)
  const rules = await compileRulesFile(values.rules, err)
  if (rules === undefined) return 1
  const explain = values.explain
  if (explain !== undefined && !rules.tags.some((t) => t.id === explain))
    throw new CliError(unknownTag(explain, rules), 2)

  const { profiles, now, bad } = await profilesAt(values.events, rules, fixedNow, err)
  for (const { name: profile, state } of profiles) {
    const { tags, metrics } = state.evaluate(now, { nextChangeAt: false })
    const line =
      explain === undefined
        ? { profile, tags, metrics }
        : { profile, tags, metrics, explain: state.explain(explain, now) }
    out.write(`${JSON.stringify(line)}\n`)
    await out.flush()
  }
  return bad > 0 ? 1 : 0
}

function unknownTag(id: string, rules: Rules): string {
  const ids = rules.tags.map((t) => t.id)
  const close = ids.filter((candidate) => didYouMean(id, [candidate]) !== '').slice(0, 5)
  if (close.length)
    return `--explain: unknown tag "${id}"; did you mean ${close.map((c) => `"${c}"`).join(', ')}?`
  if (ids.length === 0) return `--explain: unknown tag "${id}"; the rules define no tags`
  const some = ids.slice(0, 10).join(', ')
  return `--explain: unknown tag "${id}"; tags are: ${some}${ids.length > 10 ? ', ...' : ''}`
}
