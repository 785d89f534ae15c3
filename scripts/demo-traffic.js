#!/usr/bin/env node
// `npm run demo:traffic`: sends realistic shop sessions of a few hundred synthetic visitors to a
// local collector, so the dashboard has profiles, tags, coverage and history to show.
//
//   npm run demo:traffic -- [--url http://127.0.0.1:8787] [--visitors 300] [--seed 42]
//
// Bounded and loopback-only (pass --allow-remote to send elsewhere). Deterministic for a seed:
// the same visitors, paths and messageIds every run, so running it twice stores nothing twice (the
// collector deduplicates by messageId). Sessions spread over the last eight weeks through event
// timestamps (the collector counts them into the windows they belong to); orders make lifecycle
// stages and spend tiers, coupon claims make coupon hunters, visa pages make travel intent.
import { parseArgs } from 'node:util'
import { demoVisitors } from './demo-visitors.js'

const { values: args } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:8787' },
    visitors: { type: 'string', default: '300' },
    seed: { type: 'string', default: '42' },
    // The server source: a script sends identified users' events without userHashes, as a backend does.
    'write-key': { type: 'string', default: 'demo-server-key' },
    'allow-remote': { type: 'boolean', default: false },
  },
})
const base = new URL(args.url)
if (!['127.0.0.1', 'localhost', '[::1]'].includes(base.hostname) && !args['allow-remote']) {
  console.error(`refusing to send synthetic traffic to ${base.host}: pass --allow-remote to do it`)
  process.exit(2)
}
const VISITORS = Math.min(Math.max(Number(args.visitors) || 300, 1), 5000)

async function send(batch) {
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(new URL('/v1/batch', base), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${args['write-key']}:`).toString('base64')}`,
      },
      body: JSON.stringify({ batch, sentAt: new Date().toISOString() }),
    })
    if (response.status === 429 && attempt < 10) {
      const wait = Number(response.headers.get('retry-after') ?? 1) * 1000
      await new Promise((resolve) => setTimeout(resolve, wait))
      continue
    }
    const body = await response.json().catch(() => ({}))
    if (!response.ok) throw new Error(`POST /v1/batch: ${response.status} ${body.error ?? ''}`)
    return body
  }
}

const now = Date.now()
const totals = {
  done: 0,
  visitors: 0,
  events: 0,
  accepted: 0,
  duplicates: 0,
  rejected: 0,
  requests: 0,
}
const queue = demoVisitors({ count: VISITORS, seed: Number(args.seed), now })
const started = Date.now()
try {
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let events = queue.shift(); events; events = queue.shift()) {
        totals.visitors++
        // Up to 100 events per batch, in time order, as a device would send them.
        for (let i = 0; i < events.length; i += 100) {
          const result = await send(events.slice(i, i + 100))
          totals.requests++
          totals.events += Math.min(100, events.length - i)
          totals.accepted += result.accepted ?? 0
          totals.duplicates += result.duplicates ?? 0
          totals.rejected += result.rejected?.length ?? 0
          for (const r of result.rejected ?? []) console.warn('rejected:', r.error)
        }
        if (++totals.done % 50 === 0) console.log(`${totals.done}/${VISITORS} visitors sent`)
      }
    }),
  )
} catch (error) {
  console.error(`${error.message} — is the collector running (npm start) at ${base.origin}?`)
  process.exit(1)
}
console.log(
  `sent ${totals.events} events of ${totals.visitors} visitors in ${totals.requests} requests ` +
    `(${((Date.now() - started) / 1000).toFixed(1)} s): ${totals.accepted} accepted, ` +
    `${totals.duplicates} duplicates, ${totals.rejected} rejected. Open ${base.origin}/dashboard/`,
)
