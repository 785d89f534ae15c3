// What a million events cost on Cloudflare, measured: the demo's visitors (`npm run demo:traffic`,
// scripts/demo-visitors.js) replayed against the collector under `wrangler dev`, sent as the
// browser SDK sends them (a batch at `flushAt` 20 events or `flushInterval` 2 s after its first
// event; a signed-in visitor's events carry its userHash), and every billed operation counted on its
// way by a bench-only Worker entry (test/bench/cost-worker.ts). Counts are scaled to one million
// events and priced at Cloudflare's published prices (docs/cost.md names the pages and the date).
//
// Worker CPU time is the CPU of the whole local runtime (workerd: the Worker, the objects, the local
// SQLite, D1 and queue simulators, and HTTP) over the run: an upper bound of what the Worker is
// billed for. Durable Object duration is the wall time of each call seen by its caller (and of each
// alarm), at the 128 MB Cloudflare bills every object for. The events' timestamps are the demo's
// (sessions over the last eight weeks), so time-driven changes of past sessions are not replayed;
// docs/cost.md says what that leaves out. The change log in D1 is filled to its steady-state size
// before the replay, so that its trim is measured; the deletion of the event rows the replay leaves
// (retention) and the alarms that expire them are added as counted from the replay ("steady
// state"). No assertions: it prints, `npm run bench cost` runs it.
import { createHmac } from 'node:crypto'
import { existsSync } from 'node:fs'
import { demoVisitors } from '../../scripts/demo-visitors.js'
import { devVars } from '../support/dev-vars.ts'
import { startWranglerDev } from '../support/wrangler-dev.ts'
import type { Meter } from './cost-meter.ts'
import { fmt, table } from './harness.ts'
import { EXPIRY_ALARM_SLACK_MS, EXTEND_WINDOW_MS } from '../../collector/limits.ts'
import { groupCpuMs } from './process-cpu.ts'

const VISITORS = Number(process.env.COST_VISITORS ?? 300)
const SEED = 42
/** Visitors sending at once (each visitor's batches go one after the other, as one browser's do). */
const CONCURRENCY = 8
/** The browser SDK's defaults (sdk/core/options.ts). */
const FLUSH_AT = 20
const FLUSH_INTERVAL_MS = 2000
const WRITE_KEY = 'demo-write-key'
const HIGH_RATE = '100000000/60'
/** How long the export queue may take to settle after the last batch. */
const SETTLE_MS = 60_000

/** Cloudflare's prices (USD) beyond the Workers Paid plan's included usage; docs/cost.md cites them. */
const PRICE = {
  workerRequest: 0.3 / 1e6,
  workerCpuMs: 0.02 / 1e6,
  doRequest: 0.15 / 1e6,
  /** $12.50 per million GB-s, each object billed at 128 MB. */
  doWallMs: (12.5 / 1e6) * 0.128 * 0.001,
  sqlRowRead: 0.001 / 1e6,
  sqlRowWritten: 1 / 1e6,
  queueOperation: 0.4 / 1e6,
  d1RowRead: 0.001 / 1e6,
  d1RowWritten: 1 / 1e6,
}

type Event = Record<string, unknown>

/**
 * How many groups a visitor's events (in time order) make, each of the events within `spanMs` of
 * its first: the expiry alarms they may take (one drops the events received within
 * `EXPIRY_ALARM_SLACK_MS` after the oldest), or the rows their batches start (a row takes the
 * batches of `EXTEND_WINDOW_MS` after its first). Their timestamps stand for when they arrive.
 */
function groupsOf(events: readonly Event[], spanMs: number): number {
  let groups = 0
  let start = -Infinity
  for (const event of events) {
    const at = Date.parse(String(event.timestamp))
    if (at > start + spanMs) {
      groups++
      start = at
    }
  }
  return groups
}

/** A visitor's events as the browser SDK batches them: at 20 events, or 2 s after a batch's first. */
function browserBatches(events: readonly Event[]): Event[][] {
  const batches: Event[][] = []
  let current: Event[] = []
  let opened = 0
  for (const event of events) {
    const at = Date.parse(String(event.timestamp))
    if (current.length && (current.length >= FLUSH_AT || at > opened + FLUSH_INTERVAL_MS)) {
      batches.push(current)
      current = []
    }
    if (!current.length) opened = at
    current.push(event)
  }
  if (current.length) batches.push(current)
  return batches
}

const secret = devVars().DEV_IDENTITY_SECRET!
/** A signed-in visitor's events carry the userHash its site's backend gave the page. */
const withUserHash = (event: Event): Event =>
  typeof event.userId === 'string'
    ? {
        ...event,
        context: {
          ...(typeof event.context === 'object' ? event.context : {}),
          userHash: createHmac('sha256', secret).update(event.userId).digest('hex'),
        },
      }
    : event

const stateDir = existsSync('/dev/shm') ? '/dev/shm' : undefined
const dev = await startWranglerDev({
  script: 'test/bench/cost-worker.ts',
  vars: {
    RATE_LIMIT_CLIENT_EVENTS: HIGH_RATE,
    RATE_LIMIT_CLIENT_PROFILES: HIGH_RATE,
    RATE_LIMIT_PROFILE: HIGH_RATE,
    ADMIN_KEY: 'bench',
  },
  stateDir,
})
const meterNow = async (): Promise<Meter> =>
  (await (await fetch(new URL('/bench/meter', dev.url))).json()) as Meter
try {
  const demo = demoVisitors({ count: VISITORS, seed: SEED, now: Date.now() })
  const visitors = demo.map((events) => browserBatches(events.map(withUserHash)))
  const expiryAlarms = demo.reduce((n, events) => n + groupsOf(events, EXPIRY_ALARM_SLACK_MS), 0)
  // The replay sends a visitor's weeks in seconds, so its batches all arrive within one row's
  // window: in real time each later window may start a row more (an upper bound).
  const laterWindows = demo.reduce((n, events) => n + groupsOf(events, EXTEND_WINDOW_MS) - 1, 0)
  const batches = visitors.reduce((n, v) => n + v.length, 0)
  const events = visitors.reduce((n, v) => n + v.reduce((m, batch) => m + batch.length, 0), 0)
  const auth = `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`
  await fetch(new URL('/bench/change-log/fill', dev.url), { method: 'POST' })
  await fetch(new URL('/bench/meter/reset', dev.url), { method: 'POST' })
  const cpuBefore = groupCpuMs(dev.processGroup)
  const started = performance.now()
  let accepted = 0
  let failures = 0
  const queue = visitors.map((visitorBatches, visitor) => ({ visitorBatches, visitor }))
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        for (const batch of next.visitorBatches) {
          const response = await fetch(new URL('/v1/batch', dev.url), {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              authorization: auth,
              'cf-connecting-ip': `10.9.${next.visitor >> 8}.${next.visitor & 255}`,
            },
            body: JSON.stringify({ batch, sentAt: new Date().toISOString() }),
          })
          const result = (await response.json()) as { accepted?: number }
          if (response.ok) accepted += result.accepted ?? 0
          else failures++
        }
      }
    }),
  )
  const sentMs = performance.now() - started
  // The export queue and the directory listings run after the answers: wait until they settle.
  let meter = await meterNow()
  for (let waited = 0, stable = 0; waited < SETTLE_MS && stable < 3; waited += 500) {
    await new Promise((resolve) => setTimeout(resolve, 500))
    const later = await meterNow()
    const settled =
      later.queueDeletes >= later.queueMessagesSent &&
      JSON.stringify(later) === JSON.stringify(meter)
    stable = settled ? stable + 1 : 0
    meter = later
  }
  const cpuMs = groupCpuMs(dev.processGroup) - cpuBefore
  if (meter.sqlRowsWritten === 0)
    throw new Error('no SQL rows counted: the objects ran in another isolate than the meter route')

  const perMillion = (count: number) => (count / accepted) * 1e6
  const rows: string[][] = [['item', 'per 1M events', 'unit price (USD)', 'USD per 1M events']]
  let total = 0
  const item = (name: string, count: number, price: number, unit: string) => {
    const dollars = perMillion(count) * price
    total += dollars
    rows.push([name, fmt(perMillion(count)), `${fmt(price * 1e6)} / M ${unit}`, fmt(dollars, 3)])
  }
  item(
    'Worker requests (HTTP + queue consumer)',
    meter.workerRequests,
    PRICE.workerRequest,
    'requests',
  )
  item('Worker CPU ms (upper bound: all of workerd)', cpuMs, PRICE.workerCpuMs, 'ms')
  item('Durable Object requests (RPC + alarms)', meter.doRequests, PRICE.doRequest, 'requests')
  item('Durable Object wall ms (at 128 MB)', meter.doWallMs, PRICE.doWallMs, 'ms')
  item('SQLite rows read', meter.sqlRowsRead, PRICE.sqlRowRead, 'rows')
  item(
    'SQLite rows written (+1 per setAlarm)',
    meter.sqlRowsWritten + meter.setAlarms,
    PRICE.sqlRowWritten,
    'rows',
  )
  item(
    'Queue operations (write, read, delete)',
    meter.queueWrites + meter.queueReads + meter.queueDeletes,
    PRICE.queueOperation,
    'operations',
  )
  item('D1 rows read', meter.d1RowsRead, PRICE.d1RowRead, 'rows')
  item('D1 rows written', meter.d1RowsWritten, PRICE.d1RowWritten, 'rows')
  rows.push(['total (the replay: a deployment’s first weeks)', '', '', fmt(total, 3)])
  const replayed = total
  // Steady state: every event row stored is deleted once, when it passes retention (by a later
  // batch of its profile, or by the profile's alarm), and the change log is full from the start
  // (`/bench/change-log/fill`, so its trim is in the D1 rows above). The rows the replay stored
  // and did not delete (and those real time would add) are deleted later, and each visit's events
  // may take an alarm of their own
  // to expire (an object request, the checkpoint it saves and the alarm it sets next): at most
  // one per visitor and day.
  const eventRowsLeft =
    (meter.sqlRowsInsertedBy.event_batches ?? 0) -
    (meter.sqlRowsDeletedBy.event_batches ?? 0) +
    laterWindows
  item('steady state: event rows deleted at expiry', eventRowsLeft, PRICE.sqlRowWritten, 'rows')
  item(
    'steady state: expiry alarms (≤ 1 per visitor-day)',
    expiryAlarms,
    PRICE.doRequest + 2 * PRICE.sqlRowWritten,
    'alarms',
  )
  rows.push(['total (steady state)', '', '', fmt(total, 3)])

  console.log(
    `${VISITORS} demo visitors (seed ${SEED}): ${events} events in ${batches} browser-like batches (${fmt(events / batches, 2)} events per batch), ${accepted} accepted, ${failures} failed requests, sent in ${fmt(sentMs / 1000, 3)} s, ${CONCURRENCY} visitors at a time; wrangler dev, state on ${stateDir ?? 'disk'}\n`,
  )
  console.log(table(rows))
  console.log('\nSQLite rows written per 1M events, by table (setAlarm apart):')
  console.log(
    table([
      ['table', 'rows per 1M events', 'per batch'],
      ...Object.entries(meter.sqlRowsWrittenBy)
        .sort((a, b) => b[1] - a[1])
        .map(([name, count]) => [name, fmt(perMillion(count)), fmt(count / batches, 3)]),
      ['setAlarm', fmt(perMillion(meter.setAlarms)), fmt(meter.setAlarms / batches, 3)],
    ]),
  )
  console.log(
    `\nnot counted: ${fmt(perMillion(meter.localRowsWritten))} rows per 1M events written by the local runtime for itself (miniflare's __miniflare_do_name)`,
  )
  console.log(
    `\nalso: ${expiryAlarms} visitor-days, ${laterWindows} later visits, ${meter.alarms} alarms ran, ${meter.queueMessagesSent} queue messages (${fmt(meter.queueMessagesSent / accepted, 3)} per event), ${meter.queueInvocations} consumer invocations`,
  )
  const TARGET = 0.5
  console.log(
    `\ncost per 1M events: $${fmt(total, 3)} in steady state, $${fmt(replayed, 3)} in the replay alone  (target ≤ $${TARGET.toFixed(2)}: ${total <= TARGET ? 'met' : 'MISSED'})`,
  )
} finally {
  await dev.stop()
}
