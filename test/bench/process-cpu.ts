import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'

let ticksPerSecond: number | undefined

/**
 * CPU time (ms, user + system) used so far by every process of a process group: for
 * `startWranglerDev`'s `processGroup`, wrangler and the workerd it runs (the Worker, the objects,
 * local SQLite, D1 and queues). Linux only (`/proc`).
 */
export function groupCpuMs(group: number): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())
  let total = 0
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let stat: string
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    } catch {
      continue
    }
    // The fields after the command (which may hold spaces) in parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    if (Number(fields[2]) !== group) continue
    total += ((Number(fields[11]) + Number(fields[12])) / ticksPerSecond) * 1000
  }
  return total
}
