// The script tag on a site of another origin than the collector (test/e2e/other-site.ts), under a
// strict CSP that lists the collector's origin only, as customers embed it. The collector runs
// rules whose device tags need the rare features' chunk (a `max` metric of the session) next to
// the catalog's; the page has `data-tw-show-if` elements (the show/hide chunk) and vitals on (the
// web-vitals chunk). Every chunk is a dynamic `import()` from the collector's origin: a CORS
// request. The rare features' chunk carries the time search (the catalog's `checkout_hesitant`)
// and the explainer. The time search's own chunk (rules without rare features), the device plan's
// (inline rules only) and the legacy snapshot's (an earlier SDK's state) are not reached by these
// pages; every chunk is checked for CORS from the page, latest and versioned.
import type { Browser, BrowserContext, Page, Response } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Explanation, RulesDocument } from '../../rules/index.ts'
import catalog from '../../examples/rules/catalog.json' with { type: 'json' }
import {
  adminKey,
  collectorUrl,
  eventsArrived,
  launchBrowser,
  profile,
  screenshot,
  watchErrors,
} from './browser.ts'
import { sdkRelease, serveOtherSite, type OtherSite } from './other-site.ts'
import { LAZY_CHUNKS } from '../../scripts/lazy-chunks.js'

const CATALOG = catalog as unknown as RulesDocument

/** The catalog and a device tag over a rare aggregation: the rare features' chunk is needed. */
const RULES: RulesDocument = {
  ...CATALOG,
  metrics: {
    ...CATALOG.metrics,
    priciest_session: {
      events: { event: 'Product Viewed' },
      agg: 'max',
      field: 'properties.price',
      window: 'session',
    },
  },
  tags: {
    ...CATALOG.tags,
    premium_browser: { when: { '>=': [{ var: 'metrics.priciest_session' }, 1000] } },
  },
}

async function publish(document: RulesDocument): Promise<void> {
  const response = await fetch(`${collectorUrl()}/v1/rules`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${adminKey()}`, 'content-type': 'application/json' },
    body: JSON.stringify(document),
  })
  if (!response.ok) throw new Error(`PUT /v1/rules: ${response.status} ${await response.text()}`)
}

let browser: Browser
let site: OtherSite
let context: BrowserContext
let page: Page
let errors: string[]
/** Every response from the collector's origin, by path. */
let fromCollector: Map<string, Response>

beforeAll(async () => {
  // The other suites run on the catalog: it is published again at the end.
  await publish(RULES)
  ;[browser, site] = await Promise.all([launchBrowser(), serveOtherSite(collectorUrl())])
})
afterAll(async () => {
  await Promise.all([browser?.close(), site?.close(), publish(CATALOG)])
})

beforeEach(async (test) => {
  context = await browser.newContext()
  // CSP violations are events of the page: kept where the test can read them.
  await context.addInitScript(() => {
    const seen: string[] = []
    ;(window as unknown as { __violations: string[] }).__violations = seen
    document.addEventListener('securitypolicyviolation', (e) =>
      seen.push(`${e.violatedDirective} ${e.blockedURI}`),
    )
  })
  page = await context.newPage()
  errors = watchErrors(page)
  fromCollector = new Map()
  page.on('response', (response) => {
    const url = new URL(response.url())
    if (url.origin === collectorUrl()) fromCollector.set(url.pathname, response)
  })
  test.onTestFailed(async () => {
    if (!page.isClosed()) await screenshot(page, `failed-${test.task.name.replace(/\W+/g, '-')}`)
  })
})
afterEach(async () => {
  await context?.close()
})

/** The calls these tests make on `window.tagwise`. */
interface Api {
  ready: Promise<void>
  track(event: string, properties: Record<string, unknown>): void
  tags(): Record<string, unknown>
  explain(tag: string): Promise<Explanation | undefined>
  user(): { anonymousId: string }
  flush(): Promise<void>
}
/** Runs `fn` in the page with its `window.tagwise` (the script is async: it ran before `load`). */
const tw = async <T>(fn: (api: Api) => T | Promise<T>): Promise<T> =>
  page.evaluate(
    fn,
    await page.evaluateHandle(() => (window as unknown as { tagwise: Api }).tagwise),
  )
const violations = () =>
  page.evaluate(() => (window as unknown as { __violations: string[] }).__violations)

describe('the script tag on a site of another origin, under a strict CSP', () => {
  it('runs the device tags, personalization, explain and vitals from the collector', async () => {
    const vitals = page.waitForResponse((r) => r.url().endsWith('/tagwise-vitals.js'))
    await page.goto(`${site.url}/visa/japan`)
    await tw((api) => api.ready)
    expect(new URL(page.url()).origin).not.toBe(collectorUrl())
    // Visiting a visa page is a catalog tag; a product over 1,000 is the rare features' tag.
    await expect.poll(() => page.locator('#trip').isVisible()).toBe(true)
    expect(await page.locator('#premium').isVisible()).toBe(false)
    await tw((api) => api.track('Product Viewed', { category: 'flights', price: 1200 }))
    await expect.poll(() => page.locator('#premium').isVisible()).toBe(true)
    expect(await tw((api) => api.tags())).toMatchObject({
      travel_intent: true,
      premium_browser: true,
    })
    const why = await tw((api) => api.explain('premium_browser'))
    expect(why).toMatchObject({ value: true, metrics: { priciest_session: 1200 } })
    expect(why?.error).toBeUndefined()
    expect(why?.parts[0]?.tree).toMatchObject({ op: '>=', value: true })

    for (const file of ['tagwise.js', 'tagwise-rare.js', 'tagwise-personalize.js'])
      expect(fromCollector.get(`/${file}`)?.status()).toBe(200)
    expect((await vitals).status()).toBe(200)
    // The LCP is in the page's performance timeline: web-vitals, loaded, has it.
    await page.evaluate(
      () =>
        new Promise((resolve) =>
          new PerformanceObserver(resolve).observe({
            type: 'largest-contentful-paint',
            buffered: true,
          }),
        ),
    )
    const anonymousId = await tw((api) => api.user().anonymousId)
    // Leaving the page sends its `Page Left`, with the vitals (by beacon, as pages that close).
    await page.goto(`${site.url}/visa/france`)
    await tw((api) => api.ready)
    const [left] = await eventsArrived(anonymousId, 'Page Left', 1)
    expect(left?.properties).toMatchObject({ path: '/visa/japan' })
    expect(left?.properties?.lcp_ms).toBeGreaterThan(0)
    expect(await violations()).toEqual([])
    expect(errors).toEqual([])
    // The page enforces Trusted Types (so no violation above means the SDK wrote into no sink).
    const sink = await page.evaluate(() => {
      try {
        document.createElement('div').innerHTML = '<b>x</b>'
        return 'written'
      } catch (error) {
        return String(error)
      }
    })
    expect(sink).toMatch(/TrustedHTML/)
  })

  it('delivers events made offline exactly once when the browser is back online', async () => {
    await page.goto(`${site.url}/blog`)
    await tw((api) => api.ready)
    await context.setOffline(true)
    await tw((api) => {
      api.track('Coupon Claimed', { coupon_id: 'OFFLINE1' })
      api.track('Coupon Claimed', { coupon_id: 'OFFLINE2' })
      return api.flush()
    })
    expect(await tw((api) => api.tags())).toMatchObject({ coupon_claimer: true })
    await context.setOffline(false)
    await tw((api) => api.flush())
    const anonymousId = await tw((api) => api.user().anonymousId)
    const claims = await eventsArrived(anonymousId, 'Coupon Claimed', 2)
    expect(claims.map((e) => e.properties?.coupon_id).sort()).toEqual(['OFFLINE1', 'OFFLINE2'])
    expect(new Set(claims.map((e) => e.messageId)).size).toBe(2)
    expect(await violations()).toEqual([])
    // Chromium reports each request that failed while offline; nothing else went wrong.
    expect(errors.filter((e) => !e.includes('net::ERR_INTERNET_DISCONNECTED'))).toEqual([])
  })

  it('serves the script and every chunk, latest and versioned, with CORS', async () => {
    await page.goto(`${site.url}/blog`)
    await tw((api) => api.ready)
    const { version } = sdkRelease()
    const files = ['tagwise.js', ...LAZY_CHUNKS.map((chunk) => chunk.file)]
    const paths = files.flatMap((file) => [`/${file}`, `/sdk/${version}/${file}`])
    // From the page: `fetch` in CORS mode fails without Access-Control-Allow-Origin.
    const answers = await page.evaluate(
      ({ base, paths }) =>
        Promise.all(
          paths.map((path) =>
            fetch(base + path, { mode: 'cors' }).then(
              (r) => `${path} ${r.status} ${r.headers.get('cache-control')}`,
              (error: unknown) => `${path} ${String(error)}`,
            ),
          ),
        ),
      { base: collectorUrl(), paths },
    )
    expect(answers).toEqual(
      paths.map((path) =>
        path.startsWith('/sdk/')
          ? `${path} 200 public, max-age=31536000, immutable`
          : `${path} 200 public, max-age=0, must-revalidate`,
      ),
    )
    expect(errors).toEqual([])
  })
})

describe('the versioned script tag with Subresource Integrity', () => {
  it('loads the script and its chunks from the same version, cached for a year', async () => {
    const { path, version } = sdkRelease()
    await page.goto(`${site.url}/visa/japan?tag=versioned`)
    await tw((api) => api.ready)
    await tw((api) => api.track('Product Viewed', { category: 'flights', price: 1500 }))
    await expect.poll(() => page.locator('#premium').isVisible()).toBe(true)
    const script = fromCollector.get(path)
    expect(script?.status()).toBe(200)
    expect(await script?.allHeaders()).toMatchObject({
      'cache-control': 'public, max-age=31536000, immutable',
      'access-control-allow-origin': '*',
    })
    expect(fromCollector.get(`/sdk/${version}/tagwise-rare.js`)?.status()).toBe(200)
    expect(fromCollector.get(`/sdk/${version}/tagwise-personalize.js`)?.status()).toBe(200)
    expect([...fromCollector.keys()].filter((p) => p.startsWith('/tagwise'))).toEqual([])
    expect(await violations()).toEqual([])
    expect(errors).toEqual([])
  })

  it('is refused by the browser when the bytes do not match the integrity hash', async () => {
    await page.goto(`${site.url}/visa/japan?tag=tampered`)
    await expect.poll(() => errors.join('\n')).toContain('integrity')
    expect(await page.evaluate(() => 'tagwise' in window)).toBe(false)
  })
})

describe('a site whose CSP lets the script in but not its chunks', () => {
  it('keeps the tags that need no chunk; the others stay absent and explain says why', async () => {
    await page.goto(`${site.url}/visa/japan?csp=script-only`)
    await tw((api) => api.ready)
    await tw((api) => {
      api.track('Product Viewed', { category: 'flights', price: 1200 })
      api.track('Coupon Claimed', { coupon_id: 'BLOCKED' })
    })
    const tags = await tw((api) => api.tags())
    expect(tags).toMatchObject({ travel_intent: true, coupon_claimer: true })
    expect(tags).not.toHaveProperty('premium_browser')
    const premium = await tw((api) => api.explain('premium_browser'))
    expect(premium).toMatchObject({ value: null, parts: [] })
    expect(premium?.error).toMatch(
      /^absent on this device: TypeError: Failed to fetch dynamically imported module: .*\/tagwise-rare\.js/,
    )
    const trip = await tw((api) => api.explain('travel_intent'))
    expect(trip).toMatchObject({ value: true })
    expect(trip?.error).toMatch(/^not explained: /)
    // The show/hide chunk did not load either: the elements keep the state the page gave them.
    expect(await page.locator('#trip').isVisible()).toBe(false)
    // The events still reach the collector.
    const anonymousId = await tw((api) => api.user().anonymousId)
    await tw((api) => api.flush())
    await eventsArrived(anonymousId, 'Coupon Claimed', 1)
    // Only the refusals of the chunks, reported by the browser; nothing thrown into the page.
    expect((await violations()).every((v) => v.startsWith('script-src'))).toBe(true)
    expect(errors.filter((e) => e.startsWith('pageerror'))).toEqual([])
  })
})
