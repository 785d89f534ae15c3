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
  const starts = Array.from({ length: Math.ceil(PROFILES / PER_BATCH) }, (_, i) => i * PER_BATCH)
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let from = starts.shift(); from !== undefined; from = starts.shift()) {
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
        expect200(response, `batch at ${from}`)
      }
    }),
  )
  const seedMs = performance.now() - seeding
  if (retried) console.log(`${retried} batches retried after a 503 or 429`)

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

function expect200(response: Response, what: string) {
  if (!response.ok) throw new Error(`${what}: ${response.status}`)
}
