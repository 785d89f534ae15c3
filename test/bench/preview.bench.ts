// Rules preview at scale (issue 20): how long `POST /v1/rules/preview` takes to evaluate every
// known profile under the active and a draft document, over real HTTP against `wrangler dev` on
// 127.0.0.1 (state on tmpfs when there is one).
//
// PREVIEW_PROFILES profiles (default 100,000; `PREVIEW_PROFILES=10000 npm run bench preview` for a
// quicker run) are seeded through the server source, 500 per batch (the per-request profile bound),
// each with a few events; then a draft that adds a tag and changes a tier is previewed and polled
// until done. Baseline, same run: the time to ingest those profiles (profiles per second), so the
// preview reads as a ratio of it. No assertions: it prints.
import { existsSync, readFileSync } from 'node:fs'
import { startWranglerDev } from '../support/wrangler-dev.ts'
import { fmt, table } from './harness.ts'
import { emptyLedger, sendUntilStored } from '../collector/retrying-client.ts'

const catalog = JSON.parse(readFileSync('examples/rules/catalog.json', 'utf8')) as {
  tags: Record<string, unknown>
}
const PROFILES = Number(process.env.PREVIEW_PROFILES ?? 100_000)
const PER_BATCH = 500
const CONCURRENCY = 2
/**
 * Profiles seeded before waiting for the directory to list them. The profiles are seeded under
 * rules without tags, and the catalog is published (without backfill) only then: tag changes
 * would go to the export queue, and Miniflare's local queue broker sets one timer per message and
 * fails past 10,000 active ones ("QuotaExceededError: … max active timeouts: 10000"), restarting
 * the Worker mid-request (every request answers 503 ~8,000–15,000 profiles in, and messages are
 * lost). A real Queue has no such limit; the preview reads stored events, not stored tags.
 */
const WAVE = 10_000
/** How long one wave may take to be listed before the bench gives up. */
const CATCH_UP_MS = Number(process.env.PREVIEW_CATCH_UP_MS ?? 600_000)
/** Valid rules with nothing to evaluate: seeding stores events and lists profiles, nothing else. */
const NO_TAGS = { version: 1, metrics: {}, tags: {} }
const ADMIN = 'bench-admin-key'
const AUTH = `Basic ${Buffer.from('demo-server-key:').toString('base64')}`
const HIGH = '1000000000/60'

const dev = await startWranglerDev({
  vars: {
    ADMIN_KEY: ADMIN,
    RATE_LIMIT_CLIENT_EVENTS: HIGH,
    RATE_LIMIT_PROFILE: HIGH,
    // The preview pages through the directory in the rules object's alarm.
    BACKFILL_PAGE_SIZE: '200',
  },
  stateDir: existsSync('/dev/shm') ? '/dev/shm' : undefined,
})

const admin = (path: string, init: RequestInit = {}) =>
  fetch(`${dev.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
  })

/** The events of profiles `from`…`from + PER_BATCH`, each with its messageId (retries dedupe). */
function batch(from: number): Record<string, unknown>[] {
  const now = Date.now()
  const events = []
  for (let i = from; i < Math.min(from + PER_BATCH, PROFILES); i++) {
    const userId = `preview-${i}`
    const at = (ago: number) => new Date(now - ago).toISOString()
    events.push(
      {
        type: 'track',
        event: 'Product Viewed',
        userId,
        messageId: `preview-${i}-view`,
        timestamp: at(86_400_000),
        properties: { category: i % 3 ? 'luggage' : 'hotels' },
      },
      {
        type: 'track',
        event: 'Order Completed',
        userId,
        messageId: `preview-${i}-order`,
        timestamp: at(3_600_000),
        properties: { revenue: (i % 50) * 20 },
      },
    )
  }
  return events
}

try {
  expect200(await admin('/v1/rules', { method: 'PUT', body: JSON.stringify(NO_TAGS) }), 'no tags')
  let retried = 0
  const seeding = performance.now()
  let waited = 0
  for (let wave = 0; wave < PROFILES; wave += WAVE) {
    const starts = Array.from(
      { length: Math.ceil(Math.min(WAVE, PROFILES - wave) / PER_BATCH) },
      (_, i) => wave + i * PER_BATCH,
    )
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let from = starts.shift(); from !== undefined; from = starts.shift())
          retried += await seed(from)
      }),
    )
    const waiting = performance.now()
    await caughtUp(Math.min(wave + WAVE, PROFILES))
    waited += performance.now() - waiting
    console.error(
      `  ${Math.min(wave + WAVE, PROFILES)} profiles seeded and listed after ` +
        `${fmt((performance.now() - seeding) / 1000)} s`,
    )
  }
  const seedMs = performance.now() - seeding - waited
  expect200(await admin('/v1/rules', { method: 'PUT', body: JSON.stringify(catalog) }), 'publish')
  if (retried)
    console.log(`${retried} requests retried (a 503 or 429, or events rejected as retryable)`)
  console.log(
    `seeded ${PROFILES} profiles; ${fmt(waited / 1000)} s more waiting for the directory to ` +
      `list them (not counted as ingest)`,
  )

  const draft = {
    ...catalog,
    tags: {
      ...catalog.tags,
      preview_bench_buyer: { when: { '>=': [{ var: 'metrics.revenue_30d' }, 500] } },
    },
  }
  const previewing = performance.now()
  const started = await admin('/v1/rules/preview', { method: 'POST', body: JSON.stringify(draft) })
  if (started.status !== 200 && started.status !== 202)
    throw new Error(`preview: ${started.status} ${await started.text()}`)
  let status = (await started.json()) as {
    id: string
    state: string
    processed?: number
    total?: number
    profiles?: number
    failed?: number
  }
  let pollsFailed = 0
  while (status.state === 'running') {
    await new Promise((resolve) => setTimeout(resolve, 1000))
    const polled = await admin(`/v1/rules/preview/${status.id}`)
    if (!polled.ok) {
      // The preview goes on in the rules object's alarm: a failed poll is counted, shown and
      // polled again, a few times.
      pollsFailed++
      console.error(`poll of ${status.id}: ${polled.status} ${await polled.text()}`)
      if (pollsFailed === 1) console.error(dev.output().split('\n').slice(-15).join('\n'))
      // Locally, the one process's SQLite memory, shared by every object, runs out now and then
      // while the preview wakes thousands of profile objects (SQLITE_NOMEM in the rules object).
      if (pollsFailed === 120) throw new Error(`preview ${status.id}: polls keep failing`)
      continue
    }
    status = (await polled.json()) as typeof status
  }
  if (status.state !== 'done') throw new Error(`preview: ${JSON.stringify(status).slice(0, 500)}`)
  const previewMs = performance.now() - previewing
  console.log(
    `${status.failed ?? 0} profiles whose evaluation failed; ${pollsFailed} polls failed and were sent again`,
  )
  console.log(
    table([
      [
        'profiles',
        'ingest (s)',
        'ingest profiles/s',
        'preview (s)',
        'preview profiles/s',
        'preview / ingest time',
        'state',
      ],
      [
        String(status.profiles ?? PROFILES),
        fmt(seedMs / 1000),
        fmt(PROFILES / (seedMs / 1000)),
        fmt(previewMs / 1000),
        fmt(PROFILES / (previewMs / 1000)),
        fmt(previewMs / seedMs),
        status.state,
      ],
    ]),
  )
} finally {
  await dev.stop()
}

/**
 * Posts the batch of profiles `from`…`from + PER_BATCH` as a client does (the suite's retrying
 * client, waiting `Retry-After` between attempts): a 503 or 429 is sent again, and so are the
 * events a 200 rejects as `retryable` (a profile that could not commit: the local runtime runs out
 * of SQLite memory with ~1,000 new objects at once). Returns how many requests were retries.
 */
async function seed(from: number): Promise<number> {
  const ledger = emptyLedger()
  const send = (events: Record<string, unknown>[]) =>
    fetch(`${dev.url}/v1/batch`, {
      method: 'POST',
      headers: {
        authorization: AUTH,
        'content-type': 'application/json',
        'cf-connecting-ip': `10.1.0.${from % 250}`,
      },
      body: JSON.stringify({ batch: events }),
    })
  const pause = (answer: Response | undefined) =>
    new Promise<void>((resolve) =>
      setTimeout(resolve, 1000 * Number(answer?.headers.get('retry-after') ?? 1)),
    )
  try {
    await sendUntilStored(send, batch(from), ledger, { maxAttempts: 10, pause })
  } catch (error) {
    console.error(dev.output().split('\n').slice(-20).join('\n'))
    throw new Error(`batch at ${from}: ${String(error)}`)
  }
  if (ledger.refused.length) throw new Error(`batch at ${from}: ${ledger.refused[0]}`)
  return ledger.requests - 1
}

/** Waits until the directory lists `count` profiles (profiles list themselves after commit). */
async function caughtUp(count: number): Promise<void> {
  const deadline = performance.now() + CATCH_UP_MS
  let listed = 0
  while (performance.now() < deadline) {
    listed = ((await (await admin('/v1/catalog')).json()) as { profiles: number }).profiles
    if (listed >= count) return
    await new Promise((resolve) => setTimeout(resolve, 1000))
  }
  throw new Error(`after ${CATCH_UP_MS / 1000} s, ${listed} of ${count} profiles listed`)
}

function expect200(response: Response, what: string) {
  if (!response.ok) throw new Error(`${what}: ${response.status}`)
}
