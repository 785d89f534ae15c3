// Export throughput: tag changes from Durable Object commit to rows in the D1 tag index and change
// log (outbox → Cloudflare Queue → consumer), over real HTTP against `wrangler dev` on 127.0.0.1.
//
// Each round sends one batch to each of PROFILES new profiles (an order, coupon claims, a visa page:
// about ten tag changes each), CONCURRENCY requests in flight, then polls `GET /v1/changes` until
// every change the batches produced (their answers list the tags, all new) is in the change log.
// Baseline, same run: the rate at which ingest commits those changes (changes answered per second
// of sending). The ratio export/ingest says whether the export keeps up with ingest (1 = it does);
// the lag is the time from the last answer to the last change indexed. Local queues deliver with
// `max_batch_timeout = 1` s, which bounds the lag from below. No assertions: it prints.
import { startWranglerDev } from '../support/wrangler-dev.ts'
import { fmt, median, table } from './harness.ts'

const PROFILES = 200
const CONCURRENCY = 8
const ROUNDS = 3
const ADMIN = 'bench-admin-key'
const AUTH = `Basic ${Buffer.from('demo-write-key:').toString('base64')}`

const dev = await startWranglerDev({
  vars: {
    ADMIN_KEY: ADMIN,
    RATE_LIMIT_CLIENT_EVENTS: '100000000/60',
    RATE_LIMIT_PROFILE: '100000000/60',
  },
})

function batchOf(profile: string) {
  const t = Date.now() - 60_000
  const at = (s: number) => new Date(t + s * 1000).toISOString()
  const ids = { anonymousId: profile }
  return {
    batch: [
      {
        type: 'page',
        ...ids,
        timestamp: at(0),
        properties: { path: '/visa/japan' },
        context: { page: { path: '/visa/japan' } },
      },
      ...[1, 2, 3].map((i) => ({
        type: 'track',
        event: 'Coupon Claimed',
        ...ids,
        timestamp: at(i),
        properties: { coupon_id: `C${i}` },
      })),
      {
        type: 'track',
        event: 'Product Viewed',
        ...ids,
        timestamp: at(5),
        properties: { category: 'luggage', price: 149 },
      },
      {
        type: 'track',
        event: 'Order Completed',
        ...ids,
        timestamp: at(6),
        properties: { revenue: 320, coupon_id: 'C1' },
      },
    ],
  }
}

async function changesLogged(prefix: string, expected: number, deadline: number): Promise<number> {
  let cursor: number | undefined
  let seen = 0
  while (Date.now() < deadline) {
    const response = await fetch(
      `${dev.url}/v1/changes?limit=500${cursor === undefined ? '' : `&after=${cursor}`}`,
      {
        headers: { authorization: `Bearer ${ADMIN}` },
      },
    )
    const body = (await response.json()) as {
      changes: { profile: string }[]
      cursor: number | null
    }
    seen += body.changes.filter((c) => c.profile.startsWith(prefix)).length
    cursor = body.cursor ?? cursor
    if (seen >= expected) return Date.now()
    if (!body.changes.length) await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`only ${seen} of ${expected} changes reached the log`)
}

const rows: string[][] = [
  ['round', 'changes', 'ingest changes/s', 'export changes/s', 'lag ms', 'export/ingest'],
]
const ratios: number[] = []
try {
  // The log starts after what is there; a warm-up round creates the isolates and the queue.
  for (let round = 0; round <= ROUNDS; round++) {
    const prefix = `bench-${Date.now().toString(36)}-${round}-`
    const profiles = Array.from({ length: PROFILES }, (_, i) => `${prefix}${i}`)
    const start = await fetch(`${dev.url}/v1/changes?limit=1`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    })
    void (await start.json())
    let expected = 0
    const began = Date.now()
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let p = profiles.shift(); p; p = profiles.shift()) {
          const response = await fetch(`${dev.url}/v1/batch`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              authorization: AUTH,
              // One address per profile, as its visitor's (the per-address limits are fixed).
              'cf-connecting-ip': `10.0.${(profiles.length >> 8) & 255}.${profiles.length & 255}`,
            },
            body: JSON.stringify(batchOf(p)),
          })
          const body = (await response.json()) as { tags?: Record<string, unknown> }
          expected += Object.keys(body.tags ?? {}).length
        }
      }),
    )
    const answered = Date.now()
    const indexed = await changesLogged(prefix, expected, answered + 60_000)
    const ingestRate = expected / ((answered - began) / 1000)
    const exportRate = expected / ((indexed - began) / 1000)
    if (round === 0) continue
    ratios.push(exportRate / ingestRate)
    rows.push([
      String(round),
      String(expected),
      fmt(ingestRate),
      fmt(exportRate),
      String(indexed - answered),
      fmt(exportRate / ingestRate),
    ])
  }
} finally {
  await dev.stop()
}
console.log(table(rows))
console.log(
  `\nexport keeps up with ingest: median export/ingest ${fmt(median(ratios))} (1 = the index is as fast as the commits)`,
)
