// `tagwise` command line (spec: rules.md §4): the engine (rules/, through its public entry) with
// Node's files and streams. One module per command.
import { check } from './check.ts'
import { CliError } from './cli-error.ts'
import { evaluate } from './eval.ts'
import { fit } from './fit.ts'
import { Output } from './output.ts'
import { USAGE, usageError } from './usage.ts'
import packageJson from '../package.json' with { type: 'json' }

async function main(argv: string[], out: Output, err: Output): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    out.write(USAGE)
    return 0
  }
  if (argv[0] === '--version' || argv[0] === '-v') {
    out.write(`${packageJson.version}\n`)
    return 0
  }
  const [command, ...rest] = argv
  if (command === 'check') return check(rest, out, err)
  if (command === 'eval') return evaluate(rest, out, err)
  if (command === 'fit') return fit(rest, out, err)
  throw usageError(command === undefined ? 'missing command' : `unknown command "${command}"`)
}

async function run(): Promise<void> {
  const out = new Output(process.stdout)
  const err = new Output(process.stderr)
  try {
    process.exitCode = await main(process.argv.slice(2), out, err)
  } catch (error) {
    const known = error instanceof CliError
    err.write(`tagwise: ${known ? error.message : (error as Error).stack}\n`)
    process.exitCode = known ? error.exitCode : 1
  }
  await out.flush(true)
  await err.flush(true)
}

await run()
