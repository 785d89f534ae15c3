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

// mulberry32: a small seeded PRNG, so runs are reproducible.
let seed = Number(args.seed) >>> 0
const random = () => {
  seed = (seed + 0x6d2b79f5) >>> 0
  let t = seed
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const pick = (list) => list[Math.floor(random() * list.length)]
const chance = (p) => random() < p
const between = (min, max) => min + Math.floor(random() * (max - min + 1))

const PRODUCTS = [
  ['fl-tyo', 'flights', 890],
  ['fl-par', 'flights', 640],
  ['fl-nyc', 'flights', 2400],
  ['lg-cabin', 'luggage', 149],
  ['lg-check', 'luggage', 229],
  ['lg-pack', 'luggage', 35],
  ['el-adapt', 'electronics', 29],
  ['el-buds', 'electronics', 179],
  ['el-bank', 'electronics', 59],
  ['od-boots', 'outdoor', 139],
  ['od-jacket', 'outdoor', 99],
  ['od-bottle', 'outdoor', 25],
]
const VISAS = ['japan', 'france', 'usa']
const COUPONS = ['SPRING10', 'BAGS20', 'FLY50', 'TECH15']
const DAY = 86_400_000

/** One visitor's events over the last eight weeks, oldest first. */
function visitor(n, now) {
  const anonymousId = `demo-anon-${n}`
  const userId = chance(0.55) ? `demo-user-${n}` : undefined
  const persona = pick(['browser', 'traveler', 'bargain', 'buyer', 'business'])
  const events = []
  let id = 0
  let identified = false
  const sessions = between(1, persona === 'buyer' || persona === 'business' ? 7 : 4)
  const starts = Array.from(
    { length: sessions },
    () => now - between(0, 56) * DAY - between(0, DAY),
  )
  starts.sort((a, b) => a - b)
  for (const start of starts) {
    let t = start
    const ids = () => ({
      anonymousId,
      ...(identified && userId ? { userId } : {}),
      messageId: `demo-${args.seed}-${n}-${id++}`,
      timestamp: new Date(Math.min(t, now)).toISOString(),
    })
    const page = (path) => {
      t += between(4, 60) * 1000
      events.push({ type: 'page', ...ids(), properties: { path }, context: { page: { path } } })
      const lcp = chance(persona === 'browser' ? 0.3 : 0.08)
        ? between(4200, 7000)
        : between(900, 2600)
      events.push({
        type: 'track',
        event: 'Page Left',
        ...ids(),
        properties: { path, dwell_ms: between(2, 40) * 1000, lcp_ms: lcp },
        context: { page: { path } },
      })
    }
    page('/')
    const cart = []
    for (let i = between(1, 5); i > 0; i--) {
      const [productId, category, price] =
        persona === 'business' ? pick(PRODUCTS.slice(0, 3)) : pick(PRODUCTS)
      page(`/product`)
      events.push({
        type: 'track',
        event: 'Product Viewed',
        ...ids(),
        properties: {
          product_id: productId,
          category,
          price,
          cabin: persona === 'business' ? 'business' : 'economy',
        },
      })
      if (chance(0.35)) cart.push([productId, category, price])
    }
    if (persona === 'traveler' || persona === 'business' || chance(0.2))
      page(`/visa/${pick(VISAS)}`)
    if (persona === 'bargain' || chance(0.15)) {
      page('/coupons')
      for (let i = between(1, persona === 'bargain' ? 3 : 1); i > 0; i--)
        events.push({
          type: 'track',
          event: 'Coupon Claimed',
          ...ids(),
          properties: { coupon_id: pick(COUPONS) },
        })
    }
    if (cart.length) {
      page('/checkout/cart')
      if (chance(persona === 'browser' ? 0.2 : 0.7)) {
        page('/checkout/payment')
        if (userId && !identified) {
          identified = true
          events.push({
            type: 'identify',
            ...ids(),
            userId,
            traits: { email: `${userId}@example.com`, persona },
          })
        }
        const revenue = cart.reduce((sum, [, , price]) => sum + price, 0)
        events.push({
          type: 'track',
          event: 'Order Completed',
          ...ids(),
          properties: {
            order_id: `demo-order-${n}-${id}`,
            revenue,
            currency: 'USD',
            ...(persona === 'bargain' || chance(0.2) ? { coupon_id: pick(COUPONS) } : {}),
            products: cart.map(([product_id, category, price]) => ({
              product_id,
              category,
              price,
            })),
          },
        })
      }
    }
  }
  return events
}

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
const queue = Array.from({ length: VISITORS }, (_, n) => visitor(n, now))
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
