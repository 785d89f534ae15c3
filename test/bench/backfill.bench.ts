// Rules backfill at scale: how fast `PUT /v1/rules?backfill=1` rebuilds every known profile, and
// what one page of it costs, over real HTTP against `wrangler dev` on 127.0.0.1 (state on tmpfs
// when there is one), with the cost bench's metered Worker entry (cost-worker.ts: every Durable
// Object call, D1 row and SQLite row counted on its way).
//
// BACKFILL_PROFILES profiles (default 2,000; up to 10,000: past that the local queue broker's
// timers run out, see preview.bench.ts) are seeded through the server source, 500 per batch, each
// with a few events under rules without tags, then the example catalog is published. Each round
// then runs, in the same process:
// - the baseline: every profile's tags read once (`GET /v1/tags`), `CALLS_IN_FLIGHT` at a time as
//   a backfill page calls its profiles: plain profile reads per second;
// - a backfill (`?backfill=1`) of a new version that changes one tag of every profile, polled
//   until done: profiles rebuilt per second (from the run's own `startedAt`/`finishedAt`), and the
//   counts of one page; then the export queue is left to drain before the next round.
// The figure is the ratio of the two rates. No assertions: it prints.
import { existsSync, readFileSync } from 'node:fs'
import { startWranglerDev } from '../support/wrangler-dev.ts'
import { emptyLedger, sendUntilStored } from '../collector/retrying-client.ts'
import type { Meter } from './cost-meter.ts'
import { fmt, median, table } from './harness.ts'
import { largestDocument } from '../support/largest-document.ts'

const catalog = JSON.parse(readFileSync('examples/rules/catalog.json', 'utf8')) as {
  metrics: Record<string, { window?: string }>
  tags: Record<string, unknown>
}
/**
 * The catalog with one more tag, held by every seeded profile under the first document and by
 * none under the second: the rounds alternate, so each backfill changes one tag of every profile
 * (a tag history row, an outbox message, a queue message and the index rows), as a real rules
 * change does to the profiles it concerns.
 */
const withFlag = (orders: number) => ({
  ...catalog,
  tags: {
    ...catalog.tags,
    backfill_bench_buyer: { when: { '>=': [{ var: 'metrics.orders_lifetime' }, orders] } },
  },
})
const PROFILES = Number(process.env.BACKFILL_PROFILES ?? 2000)
const ROUNDS = Number(process.env.BACKFILL_ROUNDS ?? 3)
/** The backfill's page size (`BACKFILL_PAGE_SIZE`, the collector's default). */
const PAGE_SIZE = 50
/** Profiles a backfill page calls at once (collector/profile/directory-page.ts). */
const CALLS_IN_FLIGHT = 8
const PER_BATCH = 500
const NO_TAGS = { version: 1, metrics: {}, tags: {} }
const ADMIN = 'bench-admin-key'
const SERVER = `Basic ${Buffer.from('demo-server-key:').toString('base64')}`
const BROWSER = `Basic ${Buffer.from('demo-write-key:').toString('base64')}`
const HIGH = '1000000000/60'
const DAY = 86_400_000

/** What `GET /v1/rules/preview/:id` answers (collector/rules/preview.ts), the fields read here. */
interface PreviewStatus {
  id: string
  state: 'running' | 'done' | 'failed'
  profiles: number
  failed: number
  startedAt: string
  finishedAt: string | null
}

/** What `GET /v1/rules/backfill` answers (collector/rules/backfill.ts), the fields read here. */
interface BackfillStatus {
  state: 'running' | 'done' | 'failed' | 'superseded'
  processed: number
  failed: number
  startedAt: string
  finishedAt: string | null
}

const dev = await startWranglerDev({
  script: 'test/bench/cost-worker.ts',
  vars: {
    ADMIN_KEY: ADMIN,
    RATE_LIMIT_CLIENT_EVENTS: HIGH,
    RATE_LIMIT_CLIENT_PROFILES: HIGH,
    RATE_LIMIT_PROFILE: HIGH,
    BACKFILL_PAGE_SIZE: String(PAGE_SIZE),
    BACKFILL_PAUSE_MS: '0',
  },
  stateDir: existsSync('/dev/shm') ? '/dev/shm' : undefined,
})

const admin = (path: string, init: RequestInit = {}) =>
  fetch(`${dev.url}${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${ADMIN}`,
      'content-type': 'application/json',
      'if-match': '*',
    },
  })
const meter = async (): Promise<Meter> =>
  (await (await fetch(`${dev.url}/bench/meter`)).json()) as Meter
const resetMeter = () => fetch(`${dev.url}/bench/meter/reset`, { method: 'POST' })
const anonymousId = (i: number) => `backfill-${String(i).padStart(6, '0')}`

/** A few events for each of profiles `from`…`from + PER_BATCH`, each with its messageId. */
function batch(from: number): Record<string, unknown>[] {
  const now = Date.now()
  const events = []
  for (let i = from; i < Math.min(from + PER_BATCH, PROFILES); i++) {
    const id = anonymousId(i)
    const at = (ago: number) => new Date(now - ago).toISOString()
    const order = (n: number, ago: number) => ({
      type: 'track',
      event: 'Order Completed',
      anonymousId: id,
      messageId: `${id}-order-${n}`,
      timestamp: at(ago),
      properties: { revenue: (i % 50) * 20, product_type: n % 2 ? 'flight' : 'hotel' },
    })
    events.push(
      {
        type: 'page',
        anonymousId: id,
        messageId: `${id}-page`,
        timestamp: at(2 * DAY),
        properties: { path: '/checkout/cart' },
      },
      order(1, 3 * DAY),
      order(2, (40 + (i % 40)) * DAY),
      order(3, (60 + (i % 20)) * DAY),
    )
  }
  return events
}

/** Posts a batch as a client does: 503s, 429s and retryable rejections are sent again. */
async function seed(from: number): Promise<void> {
  const ledger = emptyLedger()
  const send = (events: Record<string, unknown>[]) =>
    fetch(`${dev.url}/v1/batch`, {
      method: 'POST',
      headers: {
        authorization: SERVER,
        'content-type': 'application/json',
        'cf-connecting-ip': `10.2.0.${from % 250}`,
      },
      body: JSON.stringify({ batch: events }),
    })
  const pause = (answer: Response | undefined) =>
    new Promise<void>((resolve) =>
      setTimeout(resolve, 1000 * Number(answer?.headers.get('retry-after') ?? 1)),
    )
  await sendUntilStored(send, batch(from), ledger, { maxAttempts: 10, pause })
  if (ledger.refused.length) throw new Error(`batch at ${from}: ${ledger.refused[0]}`)
}

/** Waits until the directory lists `count` profiles (profiles list themselves after commit). */
async function listed(count: number): Promise<void> {
  for (let waited = 0; waited < 600; waited++) {
    const { profiles } = (await (await admin('/v1/catalog')).json()) as { profiles: number }
    if (profiles >= count) return
    await new Promise((resolve) => setTimeout(resolve, 1000))
  }
  throw new Error(`the directory did not list ${count} profiles in 600 s`)
}

/** Reads every profile's tags once, `CALLS_IN_FLIGHT` at a time; resolves to the seconds taken. */
async function readAll(): Promise<number> {
  const next = Array.from({ length: PROFILES }, (_, i) => i)
  const started = performance.now()
  await Promise.all(
    Array.from({ length: CALLS_IN_FLIGHT }, async () => {
      for (let i = next.shift(); i !== undefined; i = next.shift()) {
        const answer = await fetch(`${dev.url}/v1/tags?anonymousId=${anonymousId(i)}`, {
          headers: { authorization: BROWSER, 'cf-connecting-ip': `10.3.${i % 250}.1` },
        })
        if (!answer.ok) throw new Error(`tags of ${anonymousId(i)}: ${answer.status}`)
        await answer.arrayBuffer()
      }
    }),
  )
  return (performance.now() - started) / 1000
}

/** Waits until every queue message sent since the meter's reset was acknowledged. */
async function drained(): Promise<void> {
  for (let waited = 0; waited < 1200; waited++) {
    const counts = await meter()
    if (counts.queueDeletes >= counts.queueWrites) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error('the export queue did not drain in 120 s')
}

/** Publishes `document` with a backfill and polls until the run ends; its final status. */
async function backfill(document: unknown): Promise<BackfillStatus> {
  const published = await admin('/v1/rules?backfill=1', {
    method: 'PUT',
    body: JSON.stringify(document),
  })
  if (!published.ok) throw new Error(`publish: ${published.status} ${await published.text()}`)
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 200))
    const polled = await admin('/v1/rules/backfill')
    // Locally every object shares one SQLite memory: a poll may answer 500 now and then.
    if (!polled.ok) continue
    const status = (await polled.json()) as BackfillStatus
    if (status.state !== 'running') return status
  }
}

/** Previews `draft` and polls until it ends; its final status. */
async function preview(draft: string): Promise<PreviewStatus> {
  const started = await admin('/v1/rules/preview', { method: 'POST', body: draft })
  if (started.status !== 200 && started.status !== 202)
    throw new Error(`preview: ${started.status} ${await started.text()}`)
  let status = (await started.json()) as PreviewStatus
  while (status.state === 'running') {
    await new Promise((resolve) => setTimeout(resolve, 200))
    const polled = await admin(`/v1/rules/preview/${status.id}`)
    if (polled.ok) status = (await polled.json()) as PreviewStatus
  }
  return status
}

try {
  const put = (document: unknown) =>
    admin('/v1/rules', { method: 'PUT', body: JSON.stringify(document) })
  if (!(await put(NO_TAGS)).ok) throw new Error('publishing rules without tags failed')
  const seeding = performance.now()
  const starts = Array.from({ length: Math.ceil(PROFILES / PER_BATCH) }, (_, i) => i * PER_BATCH)
  await Promise.all(
    Array.from({ length: 2 }, async () => {
      for (let from = starts.shift(); from !== undefined; from = starts.shift()) await seed(from)
    }),
  )
  await listed(PROFILES)
  console.log(
    `${PROFILES} profiles seeded and listed in ${fmt((performance.now() - seeding) / 1000)} s`,
  )
  if (!(await put(catalog)).ok) throw new Error('publishing the catalog failed')
  // Every profile restores its state under the catalog on its first read: not the baseline.
  await readAll()
  await drained()

  const rows: string[][] = []
  const ratios: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    await resetMeter()
    const readSeconds = await readAll()
    const reads = await meter()
    await resetMeter()
    const run = await backfill(withFlag(round % 2 ? 1000 : 1))
    await drained()
    const counts = await meter()
    if (run.state !== 'done') throw new Error(`backfill: ${JSON.stringify(run)}`)
    const seconds = (Date.parse(run.finishedAt!) - Date.parse(run.startedAt)) / 1000
    const pages = Math.ceil(run.processed / PAGE_SIZE)
    const readRate = PROFILES / readSeconds
    const backfillRate = run.processed / seconds
    ratios.push(backfillRate / readRate)
    rows.push([
      String(round + 1),
      fmt(readRate),
      fmt(reads.doRequests / PROFILES),
      `${run.processed} (${run.failed} failed)`,
      fmt(seconds),
      fmt(backfillRate),
      fmt(backfillRate / readRate),
      String(pages),
      fmt(counts.doRequests / pages),
      fmt(counts.d1RowsRead / pages),
      fmt(counts.d1RowsWritten / pages),
      fmt(counts.sqlRowsWritten / pages),
      String(counts.queueMessagesSent),
    ])
  }
  console.log(
    table([
      [
        'round',
        'reads/s',
        'object calls per read',
        'profiles backfilled',
        'backfill (s)',
        'backfilled/s',
        'backfilled/s ÷ reads/s',
        'pages',
        'object calls per page',
        'D1 rows read per page',
        'D1 rows written per page',
        'SQLite rows written per page',
        'queue messages',
      ],
      ...rows,
    ]),
  )
  console.log(
    `profiles backfilled per second ÷ profile reads per second: median ${fmt(median(ratios))} ` +
      `(${fmt(Math.min(...ratios))}–${fmt(Math.max(...ratios))}, ${ROUNDS} rounds, ${PROFILES} profiles)`,
  )
  console.log(
    'D1 rows and queue messages include the export consumer indexing the changes the run made; ' +
      'object calls per page include the rebuilds and the rules lookups they made.',
  )

  // A preview of the same profiles with a draft of the catalog's size, then with one near the
  // 1 MB limit (500 metrics, 1,000 tags): each profile isolate fetches and compiles the draft once.
  const drafts: [string, string][] = [
    ['the catalog + 1 tag', JSON.stringify(withFlag(500))],
    ['the largest document', JSON.stringify(largestDocument(1).document)],
  ]
  const previewRows: string[][] = []
  let smallSeconds = 0
  for (const [name, draft] of drafts) {
    await resetMeter()
    const status = await preview(draft)
    const counts = await meter()
    if (status.state !== 'done') throw new Error(`preview: ${JSON.stringify(status)}`)
    const seconds = (Date.parse(status.finishedAt!) - Date.parse(status.startedAt)) / 1000
    smallSeconds ||= seconds
    previewRows.push([
      name,
      fmt(draft.length / 1e6),
      `${status.profiles} (${status.failed} failed)`,
      fmt(seconds),
      fmt((1000 * seconds) / status.profiles),
      fmt(seconds / smallSeconds),
      fmt(counts.doRequests / status.profiles),
    ])
  }
  console.log(
    table([
      [
        'draft',
        'MB',
        'profiles',
        'preview (s)',
        'ms per profile',
        '÷ the small draft',
        'object calls per profile',
      ],
      ...previewRows,
    ]),
  )
} finally {
  await dev.stop()
}
