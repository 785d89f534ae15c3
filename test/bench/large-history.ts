// A long, sparse history for the CLI benchmark (issue 19): many profiles with a few visits each,
// spread over more than a year, so every profile keeps buckets across the 30d/90d/365d windows of
// the example catalog, and a third of the profiles are linked by an identify event. Seeded: the
// same options give the same lines.
import { mulberry32 } from '../support/events.ts'

export interface LargeHistoryOptions {
  seed: number
  profiles: number
  /** Exactly this many events (the latest are cut). */
  events: number
  days: number
  /** ISO-8601 start of the period. */
  start: string
}

const DAY = 86_400_000
const CATEGORIES = ['flights', 'hotels', 'visas', 'luggage', 'apparel'] as const
const DESTINATIONS = ['NYC', 'LON', 'SIN', 'BCN', 'BKK', 'LIS', 'TYO', 'ROM', 'DXB'] as const
const VISAS = ['japan', 'india', 'usa', 'uk', 'schengen'] as const
const PRODUCTS = ['flight', 'flight', 'hotel', 'retail'] as const
const COUPONS = ['WELCOME10', 'SUMMER15', 'BAGS20'] as const

type Event = Record<string, unknown>

/** The events as NDJSON lines, in timestamp order, and how many profiles they hold. */
export function largeHistory(options: LargeHistoryOptions): { lines: string[]; profiles: number } {
  const start = Date.parse(options.start)
  const perProfile = options.events / options.profiles
  const rows: { ts: number; profile: number; k: number; event: Event }[] = []
  for (let profile = 0; profile < options.profiles; profile++) {
    const rand = mulberry32(options.seed * 7919 + profile)
    const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1))
    const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!
    const anonymousId = `anon-${profile.toString(36)}`
    const userId = profile % 3 === 0 ? `user-${profile.toString(36)}` : undefined
    let identified = false
    // About 2 % more than the mean, so that cutting to exactly `events` takes only the last days.
    const budget = int(Math.round(perProfile * 0.4), Math.round(perProfile * 1.64))
    let k = 0
    while (k < budget) {
      let t = start + Math.floor(rand() * (options.days * DAY - 3_600_000))
      const emit = (fields: Event) => {
        if (k === budget) return
        rows.push({
          ts: t,
          profile,
          k,
          event: {
            ...fields,
            messageId: `${profile.toString(36)}-${k.toString(36)}`,
            timestamp: new Date(t).toISOString(),
            anonymousId,
            ...(identified ? { userId } : {}),
            context: { library: { name: 'analytics.js', version: '5.2.0' }, locale: 'en-US' },
          },
        })
        k++
        t += int(2, 90) * 1000
      }
      const page = (path: string) =>
        emit({ type: 'page', properties: { path, url: `https://www.wanderly.example${path}` } })
      page('/')
      if (userId !== undefined && !identified) {
        identified = true
        emit({ type: 'identify', traits: { email: `${userId}@mail.example`, vip: rand() < 0.2 } })
      }
      for (let views = int(0, 3); views > 0; views--) {
        const category = pick(CATEGORIES)
        page(`/product/${category}-${int(100, 999)}`)
        emit({ type: 'track', event: 'Product Viewed', properties: { category } })
      }
      if (rand() < 0.2) page(`/visa/${pick(VISAS)}`)
      if (rand() < 0.15)
        emit({ type: 'track', event: 'Coupon Claimed', properties: { coupon_id: pick(COUPONS) } })
      if (rand() < 0.35) {
        page('/checkout/cart')
        const product = pick(PRODUCTS)
        emit({
          type: 'track',
          event: 'Order Completed',
          properties: {
            product_type: product,
            revenue: Math.round((40 + rand() * 900) * 100) / 100,
            destination: pick(DESTINATIONS),
            cabin: rand() < 0.2 ? 'business' : 'economy',
            weekend: rand() < 0.5,
            lead_days: int(1, 120),
            ...(rand() < 0.2 ? { coupon_id: pick(COUPONS) } : {}),
          },
        })
      }
      emit({ type: 'track', event: 'Page Left', properties: { lcp_ms: int(600, 6000) } })
    }
  }
  rows.sort((a, b) => a.ts - b.ts || a.profile - b.profile || a.k - b.k)
  rows.length = Math.min(rows.length, options.events)
  return {
    lines: rows.map((row) => JSON.stringify(row.event)),
    profiles: new Set(rows.map((row) => row.profile)).size,
  }
}
