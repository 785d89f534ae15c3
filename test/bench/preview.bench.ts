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

const catalog = JSON.parse(readFileSync('examples/rules/catalog.json', 'utf8')) as {
  tags: Record<string, unknown>
}
const PROFILES = Number(process.env.PREVIEW_PROFILES ?? 100_000)
const PER_BATCH = 500
const CONCURRENCY = 2
/**
 * Profiles seeded before waiting for the tag index to catch up. Miniflare's local queue broker
 * sets one timer per message and fails past 10,000 active ones ("QuotaExceededError: … max active
 * timeouts: 10000"), restarting the Worker mid-request: seeded faster than its consumer drains,
 * ~8,000–15,000 profiles in, every request answers 503. A real Queue has no such limit.
 */
const WAVE = 4_000
/** How long one wave may take to be listed and indexed before the bench gives up. */
const CATCH_UP_MS = 600_000
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

function batch(from: number) {
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
        timestamp: at(86_400_000),
        properties: { category: i % 3 ? 'luggage' : 'hotels' },
      },
      {
        type: 'track',
        event: 'Order Completed',
        userId,
        timestamp: at(3_600_000),
        properties: { revenue: (i % 50) * 20 },
      },
    )
  }
  return JSON.stringify({ batch: events })
}

try {
  expect200(await admin('/v1/rules', { method: 'PUT', body: JSON.stringify(catalog) }), 'publish')
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
      `  ${Math.min(wave + WAVE, PROFILES)} profiles seeded, listed and indexed after ` +
        `${fmt((performance.now() - seeding) / 1000)} s`,
    )
  }
  const seedMs = performance.now() - seeding - waited
  if (retried) console.log(`${retried} batches retried after a 503 or 429`)
  console.log(
    `seeded ${PROFILES} profiles; ${fmt(waited / 1000)} s more waiting for the directory and the ` +
      `local queue consumer to catch up (not counted as ingest)`,
  )

  const draft = {
    ...catalog,
    tags: {
      ...catalog.tags,
      preview_bench_buyer: { when: { '>=': [{ var: 'metrics.revenue_30d' }, 500] } },
    },
  }
  const previewing = performance.now()
  let status = (await (
    await admin('/v1/rules/preview', { method: 'POST', body: JSON.stringify(draft) })
  ).json()) as { id: string; state: string; processed?: number; total?: number; profiles?: number }
  while (status.state === 'running') {
    await new Promise((resolve) => setTimeout(resolve, 1000))
    status = (await (await admin(`/v1/rules/preview/${status.id}`)).json()) as typeof status
  }
  const previewMs = performance.now() - previewing
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

/** Posts the batch of profiles `from`…`from + PER_BATCH`, retrying a 503 or 429; the retries. */
async function seed(from: number): Promise<number> {
  let retried = 0
  // A client retries a 503 or 429 after Retry-After, as the SDK and Segment's libraries do.
  let response: Response
  for (let attempt = 1; ; attempt++) {
    response = await fetch(`${dev.url}/v1/batch`, {
      method: 'POST',
      headers: {
        authorization: AUTH,
        'content-type': 'application/json',
        'cf-connecting-ip': `10.1.0.${from % 250}`,
      },
      body: batch(from),
    })
    if ((response.status !== 503 && response.status !== 429) || attempt === 5) break
    retried++
    await new Promise((resolve) =>
      setTimeout(resolve, 1000 * Number(response.headers.get('retry-after') ?? 1)),
    )
  }
  if (!response.ok) {
    console.error(`batch at ${from}: ${response.status} ${await response.text()}`)
    console.error(dev.output().split('\n').slice(-20).join('\n'))
  }
  expect200(response, `batch at ${from}`)
  return retried
}

/**
 * Waits until the directory lists `count` profiles and the tag index holds `lifecycle_stage` (every
 * seeded profile has an order, so a stage) for as many: the queue's consumer has caught up.
 */
async function caughtUp(count: number): Promise<void> {
  const deadline = performance.now() + CATCH_UP_MS
  let seen = { listed: 0, indexed: 0 }
  while (performance.now() < deadline) {
    const catalog = (await (await admin('/v1/catalog')).json()) as {
      profiles: number
      tags: { id: string; coverage: { profiles: number } }[]
    }
    const stage = catalog.tags.find((tag) => tag.id === 'lifecycle_stage')
    seen = { listed: catalog.profiles, indexed: stage?.coverage.profiles ?? 0 }
    if (seen.listed >= count && seen.indexed >= count) return
    await new Promise((resolve) => setTimeout(resolve, 1000))
  }
  throw new Error(
    `after ${CATCH_UP_MS / 1000} s, ${seen.listed} of ${count} profiles listed, ${seen.indexed} indexed`,
  )
}

function expect200(response: Response, what: string) {
  if (!response.ok) throw new Error(`${what}: ${response.status}`)
}
