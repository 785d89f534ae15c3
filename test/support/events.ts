/** Seeded, realistic Segment-shaped event streams for a travel + retail site. */
import { anonymousProfile } from '../../rules/index.ts'

/** Who a generated visitor is. */
export type Persona = 'leisure' | 'business' | 'coupon_hunter' | 'window_shopper' | 'churned'

export interface GenerateOptions {
  /** @default 1 */
  seed?: number
  /** @default 25 */
  visitors?: number
  /** ISO-8601 start of the period. @default '2026-01-01T00:00:00Z' */
  start?: string
  /** Length of the period; `churned` visitors need more than 91 days to be churned. @default 120 */
  days?: number
}

/**
 * A generated visitor: `profile` is the profile name the engine and the collector give its events
 * (`anonymous:<id>` for a visitor who never logs in).
 */
export interface Visitor {
  index: number
  persona: Persona
  anonymousId: string
  /** `null` for window shoppers, who never log in. */
  userId: string | null
  /** `true` when the only link between `anonymousId` and `userId` is an `alias` event. */
  aliased: boolean
  profile: string
}

type Event = Record<string, unknown>
type ProductType = 'flight' | 'hotel' | 'visa' | 'retail'

const DAY = 86_400_000
const SITE = 'https://www.wanderly.example'
const VISAS = ['japan', 'india', 'china', 'usa', 'uk', 'schengen', 'australia'] as const
const BUSINESS_CITIES = ['NYC', 'LON', 'SIN', 'FRA', 'HKG', 'SFO', 'TYO', 'DXB'] as const
const LEISURE_CITIES = ['BCN', 'BKK', 'CUN', 'LIS', 'DPS', 'HNL', 'ROM'] as const
const COUPONS = ['WELCOME10', 'SUMMER15', 'BAGS20', 'HOTEL25', 'FLASH30'] as const

/** Per persona: mean days between sessions, chances per session, what they view and buy. */
interface Behavior {
  rates: { everyDays: number; buy: number; coupon: number; visa: number; checkout: number }
  categories: readonly string[]
  orders: readonly ProductType[]
}

const BEHAVIOR: Record<Persona, Behavior> = {
  leisure: {
    rates: { everyDays: 9, buy: 0.2, coupon: 0.1, visa: 0.4, checkout: 0.2 },
    categories: ['flights', 'hotels', 'hotels', 'visas', 'apparel'],
    orders: ['flight', 'hotel', 'hotel', 'retail', 'visa'],
  },
  business: {
    rates: { everyDays: 5, buy: 0.7, coupon: 0, visa: 0.15, checkout: 0.1 },
    categories: ['flights', 'flights', 'flights', 'hotels', 'luggage'],
    orders: ['flight', 'flight', 'flight', 'hotel'],
  },
  coupon_hunter: {
    rates: { everyDays: 4, buy: 0.15, coupon: 0.9, visa: 0.05, checkout: 0.3 },
    categories: ['apparel', 'apparel', 'luggage', 'hotels'],
    orders: ['retail', 'retail', 'retail', 'hotel'],
  },
  window_shopper: {
    rates: { everyDays: 4, buy: 0, coupon: 0.05, visa: 0.1, checkout: 0.4 },
    categories: ['luggage', 'apparel', 'hotels', 'flights'],
    orders: [],
  },
  churned: {
    rates: { everyDays: 6, buy: 0.45, coupon: 0.1, visa: 0.2, checkout: 0.1 },
    categories: ['hotels', 'flights', 'apparel'],
    orders: ['hotel', 'flight', 'retail'],
  },
}

/** Visitor `i` is a `PERSONAS[i % PERSONAS.length]`. */
export const PERSONAS = Object.keys(BEHAVIOR) as readonly Persona[]

/** The mulberry32 PRNG: a function returning floats in [0, 1), the same sequence for a seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), a | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** The visitors {@link generateEvents} produces for `options.visitors`. */
export function visitorsOf(options: GenerateOptions = {}): Visitor[] {
  return Array.from({ length: options.visitors ?? 25 }, (_, index) => {
    const persona = PERSONAS[index % PERSONAS.length] as Persona
    const anonymousId = `anon-${String(index).padStart(4, '0')}`
    const userId = persona === 'window_shopper' ? null : `u${String(index).padStart(4, '0')}`
    const aliased = userId !== null && index % 4 === 1
    return {
      index,
      persona,
      anonymousId,
      userId,
      aliased,
      profile: userId ?? anonymousProfile(anonymousId),
    }
  })
}

/**
 * Events of `visitors` visitors over `days` days, each visitor's in timestamp order, interleaved in
 * global timestamp order. Same options, same events (including `messageId`s).
 * @example toNdjson(generateEvents({ seed: 7, visitors: 100, days: 120 }))
 */
export function generateEvents(options: GenerateOptions = {}): Event[] {
  const seed = options.seed ?? 1
  const start = Date.parse(options.start ?? '2026-01-01T00:00:00Z')
  const end = start + (options.days ?? 120) * DAY
  const rows = visitorsOf(options).flatMap((v) => {
    const events = visitorEvents(v, mulberry32(seed * 7919 + v.index), start, end, seed)
    return events.map((e, k) => ({ e, k, i: v.index, t: Date.parse(e.timestamp as string) }))
  })
  rows.sort((a, b) => a.t - b.t || a.i - b.i || a.k - b.k)
  return rows.map((r) => r.e)
}

function visitorEvents(v: Visitor, rand: () => number, start: number, end: number, seed: number) {
  const { rates: b, categories, orders } = BEHAVIOR[v.persona]
  const out: Event[] = []
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1))
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T
  const money = (lo: number, hi: number) => Math.round((lo + rand() * (hi - lo)) * 100) / 100
  const slow = v.index % 7 === 3 // one visitor in 7 has a slow phone or network: poor LCP
  let t = start
  let loggedIn = false
  let coupon: string | null = null
  let here: { path: string; title: string; at: number } | null = null
  let referrer = pick(['https://www.google.com/', '', 'https://mail.example/', ''])

  const emit = (fields: Event) => {
    const page = here ? { path: here.path, url: SITE + here.path, referrer, title: here.title } : {}
    out.push({
      ...fields,
      messageId: `${seed.toString(36)}-${v.index.toString(36)}-${out.length.toString(36)}`,
      timestamp: new Date(t).toISOString(),
      ...(v.aliased && loggedIn ? {} : { anonymousId: v.anonymousId }),
      ...(loggedIn ? { userId: v.userId } : {}),
      context: { page, library: { name: 'analytics.js', version: '5.2.0' }, locale: 'en-US' },
    })
    t += int(1, 40)
  }
  const wait = (lo: number, hi: number) => (t += int(lo, hi) * 1000)
  /** A `Page Left` for the current page; at a session's end the tab may be killed instead. */
  const leave = (sessionEnd: boolean) => {
    if (!here || (sessionEnd && rand() < 0.1)) return void (here = null)
    const hidden = rand() < 0.2 ? int(0, Math.floor((t - here.at) / 2)) : 0
    const properties: Event = { path: here.path }
    if (rand() > 0.1) properties.dwell_ms = t - here.at - hidden
    if (rand() < 0.6) properties.lcp_ms = slow || rand() < 0.04 ? int(3800, 9000) : int(600, 2800)
    emit({ type: 'track', event: 'Page Left', properties })
    referrer = sessionEnd ? '' : SITE + here.path
    here = null
  }
  const page = (path: string, title: string) => {
    leave(false)
    here = { path, title, at: t }
    emit({ type: 'page', name: title, properties: { path, url: SITE + path, referrer, title } })
  }
  const login = () => {
    if (loggedIn || !v.userId) return
    wait(5, 40)
    loggedIn = true // from here on, aliased visitors' events carry only the userId
    if (v.aliased) emit({ type: 'alias', previousId: v.anonymousId, userId: v.userId })
    const vip = v.persona === 'business' ? rand() < 0.6 : rand() < 0.05
    const plan = v.persona === 'business' ? 'corporate' : pick(['free', 'free', 'plus'])
    emit({ type: 'identify', traits: { email: `${v.userId}@mail.example`, vip, plan } })
  }
  const business = v.persona === 'business'
  const trip = (): Event => ({
    destination: pick(business ? BUSINESS_CITIES : LEISURE_CITIES),
    lead_days: business ? int(1, 14) : int(14, 120),
    weekend: rand() < (business ? 0.1 : 0.7),
  })
  const products: Record<ProductType, () => Event> = {
    flight: () => {
      const cabin = rand() < (business ? 0.75 : 0.04) ? 'business' : 'economy'
      return { ...trip(), cabin, revenue: money(180, 900) * (cabin === 'business' ? 3 : 1) }
    },
    hotel: () => ({ ...trip(), revenue: money(90, 320) * int(1, 6) }),
    visa: () => ({ destination: pick(VISAS), revenue: money(40, 160) }),
    retail: () => ({ category: pick(['luggage', 'apparel']), revenue: money(25, 350) }),
  }
  const order = () => {
    const type = pick(orders)
    const properties: Event = { order_id: `o${v.index}-${out.length}`, product_type: type }
    Object.assign(properties, products[type](), { currency: 'USD' })
    let revenue = properties.revenue as number
    if (coupon && type !== 'flight') {
      properties.coupon_id = coupon
      revenue *= 0.85
      coupon = null
    }
    properties.revenue = Math.round(revenue * 100) / 100
    emit({ type: 'track', event: 'Order Completed', properties })
  }
  const session = (buy: boolean) => {
    page('/', 'Wanderly: flights, hotels, visas and travel gear')
    for (let i = int(1, v.persona === 'window_shopper' ? 7 : 4); i > 0; i--) {
      wait(4, 45)
      const category = pick(categories)
      if (rand() < 0.5) {
        page(`/category/${category}`, `Shop ${category}`)
        wait(3, 30)
      }
      const id = `${category.slice(0, 2)}-${int(100, 999)}`
      page(`/product/${id}`, `Product ${id}`)
      emit({ type: 'track', event: 'Product Viewed', properties: { product_id: id, category } })
    }
    login() // "Sign in for member prices": every visitor but window shoppers, in the first session
    if (rand() < b.visa) {
      wait(5, 60)
      page(`/visa/${pick(VISAS)}`, 'Visa requirements')
    }
    if (rand() < b.coupon) {
      wait(4, 30)
      page('/coupons', 'Coupons and deals')
      for (let n = int(1, 2); n > 0; n--) {
        wait(2, 15)
        coupon = pick(COUPONS)
        emit({ type: 'track', event: 'Coupon Claimed', properties: { coupon_id: coupon } })
      }
    }
    if (buy || rand() < b.checkout) {
      const hesitant = v.persona === 'window_shopper' || rand() < 0.15
      wait(5, 40)
      page('/checkout/cart', 'Your cart')
      wait(hesitant ? 3 : 2, hesitant ? 60 : 4)
      page('/checkout/payment', 'Payment')
      wait(hesitant ? 8 : 2, hesitant ? 90 : 4)
      if (buy) {
        order()
        page('/account/bookings', 'Your bookings')
      } else if (!hesitant) return leave(true) // closes the tab: not hesitant, just leaving
    }
    wait(5, 60)
    leave(true)
  }

  // Churned visitors go silent 95 days before the end, after at least one order.
  const activeUntil = v.persona === 'churned' ? Math.max(start + DAY, end - 95 * DAY) : end
  const sessionStart = (at: number) => Math.floor(at / DAY) * DAY + int(7 * 60, 22 * 60) * 60_000
  t = Math.max(start, sessionStart(start + rand() * Math.min(3, (activeUntil - start) / DAY) * DAY))
  for (let first = true; t < activeUntil - 3_600_000; first = false) {
    session(rand() < b.buy || (first && v.persona === 'churned'))
    t = Math.max(t + 3_600_000, sessionStart(t + (0.5 + rand()) * b.everyDays * DAY))
  }
  return out
}

/** A deterministic Fisher–Yates shuffle of a copy of `items`, to feed out-of-order streams. */
export function shuffle<T>(items: readonly T[], seed: number): T[] {
  const rand = mulberry32(seed)
  const copy = items.slice()
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1))
    ;[copy[i], copy[j]] = [copy[j] as T, copy[i] as T]
  }
  return copy
}

/** Events as NDJSON, one per line, for `tagwise eval --events`. */
export const toNdjson = (events: readonly unknown[]): string =>
  events.map((e) => JSON.stringify(e)).join('\n') + '\n'
