// The demo's synthetic shop visitors (used by `npm run demo:traffic` and `npm run bench cost`):
// sessions over the last eight weeks, with page views (each with its `Page Left` and Web Vitals),
// product views, coupon claims, identifies and orders, as the demo shop's SDK would record them.
// Deterministic for a seed: the same visitors, paths and messageIds every run.

/**
 * The events of `count` visitors (one array each, oldest first), for `seed` at `now` (epoch ms).
 * @param {{ count: number, seed: number, now: number }} options
 * @returns {Array<Array<Record<string, unknown>>>}
 */
export function demoVisitors({ count, seed: initialSeed, now }) {
  let seed = initialSeed >>> 0
  // mulberry32: a small seeded PRNG, so runs are reproducible.
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
        messageId: `demo-${initialSeed}-${n}-${id++}`,
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

  return Array.from({ length: count }, (_, n) => visitor(n, now))
}
