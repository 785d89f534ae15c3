// The script-tag SDK in a real Chromium against the real collector (wrangler dev): on-device tags
// personalize the page with no round trip, and every event reaches the collector exactly once —
// offline, on page close, under a strict CSP.
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  collectorUrl,
  controlVisibility,
  eventsArrived,
  launchBrowser,
  profile,
  screenshot,
  serveFixtures,
  setHidden,
  watchErrors,
} from './browser.ts'
import { RARE_DOC } from '../support/rare-rules.ts'

let browser: Browser
let context: BrowserContext
let page: Page
let errors: string[]
let violations: () => Promise<string[]>

beforeAll(async () => {
  browser = await launchBrowser()
})
afterAll(async () => {
  await browser?.close()
})

beforeEach(async (test) => {
  context = await browser.newContext()
  await serveFixtures(context)
  await controlVisibility(context)
  // CSP violations are reported to the page as events: keep them where the test can read them.
  await context.addInitScript(() => {
    const seen: string[] = []
    ;(window as unknown as { __violations: string[] }).__violations = seen
    document.addEventListener('securitypolicyviolation', (e) =>
      seen.push(`${e.violatedDirective} ${e.blockedURI}`),
    )
  })
  page = await context.newPage()
  errors = watchErrors(page)
  violations = () =>
    page.evaluate(() => (window as unknown as { __violations: string[] }).__violations)
  test.onTestFailed(async () => {
    if (!page.isClosed()) await screenshot(page, `failed-${test.task.name.replace(/\W+/g, '-')}`)
  })
})
afterEach(async () => {
  await context?.close()
})

const url = (path: string) => `${collectorUrl()}${path}`
const anonymousId = () =>
  page.evaluate(() => (window as unknown as TagwiseWindow).tagwise.user().anonymousId)
/** The calls the consent test makes. */
type ConsentApi = {
  identify(traits: Record<string, string>): void
  track(event: string, properties: Record<string, string>): void
  flush(): Promise<void>
  consent(granted: boolean): void
}
type TagwiseWindow = {
  tagwise: {
    user(): { anonymousId: string }
    ready: Promise<void>
    has(tag: string): boolean
  }
}
const ready = () => page.evaluate(() => (window as unknown as TagwiseWindow).tagwise.ready)

/** What `target`'s origin holds: the keys of tagwise's IndexedDB store, and of localStorage. */
const storedKeys = (target: Page) =>
  target.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open('tagwise')
      open.onsuccess = () => resolve(open.result)
      open.onerror = () => reject(open.error)
    })
    const keys = await new Promise<IDBValidKey[]>((resolve, reject) => {
      const all = db.transaction('kv').objectStore('kv').getAllKeys()
      all.onsuccess = () => resolve(all.result)
      all.onerror = () => reject(all.error)
    })
    db.close()
    return { indexedDb: keys.map(String).sort(), localStorage: Object.keys(localStorage) }
  })

describe('the script-tag SDK in Chromium', () => {
  it('shows the checkout nudge after 10 s of visible time on checkout, by time alone', async () => {
    await page.clock.install()
    await page.goto(url('/checkout/payment'))
    await ready()
    const nudge = page.locator('#nudge')
    await expect.poll(() => nudge.isVisible()).toBe(false)
    await page.clock.runFor(9_000)
    expect(await nudge.isVisible()).toBe(false)
    await page.clock.runFor(2_000)
    await expect.poll(() => nudge.isVisible()).toBe(true)
    await screenshot(page, 'checkout-hesitant')
    expect(await violations()).toEqual([])
    expect(errors).toEqual([])
  })

  it('is served under a CSP that really blocks inline scripts (the checks above can fail)', async () => {
    await page.goto(url('/csp-probe'))
    await ready()
    expect(await page.title()).toBe('CSP probe')
    await expect.poll(violations).toEqual([expect.stringMatching(/^script-src/)])
  })

  it('does not count hidden time: the nudge waits for 10 s of *visible* time', async () => {
    await page.clock.install()
    await page.goto(url('/checkout/payment'))
    await ready()
    const nudge = page.locator('#nudge')
    await page.clock.runFor(3_000)
    await setHidden(page, true)
    await page.clock.runFor(60_000) // a minute in another tab
    await setHidden(page, false)
    expect(await nudge.isVisible()).toBe(false)
    await page.clock.runFor(5_000) // 8 s visible in all
    expect(await nudge.isVisible()).toBe(false)
    await page.clock.runFor(3_000) // 11 s visible
    await expect.poll(() => nudge.isVisible()).toBe(true)
  })

  it('personalizes the next page after a coupon claim without waiting for the server', async () => {
    const loaded: string[] = []
    page.on('request', (r) => loaded.push(new URL(r.url()).pathname))
    await page.goto(url('/coupons'))
    await ready()
    // No element with a condition here: the show/hide chunk is not loaded.
    expect(loaded).not.toContain('/tagwise-personalize.js')
    // From now on the collector never answers: the tag must come from the device alone.
    const held: string[] = []
    await context.route(
      (u) => u.pathname === '/v1/batch' || u.pathname === '/v1/tags',
      (route) => void held.push(route.request().url()),
    )
    await page.getByRole('button', { name: 'Claim 10% off' }).click()
    await page.getByRole('link', { name: 'Back to the shop' }).click()
    await page.waitForURL(url('/'))
    await expect.poll(() => page.locator('#claimed').isVisible()).toBe(true)
    expect(await page.locator('#default').isVisible()).toBe(false)
    expect(loaded).toContain('/tagwise-personalize.js')
    expect(await page.evaluate(() => document.documentElement.dataset.twTags)).toContain(
      'coupon_claimer',
    )
    await screenshot(page, 'coupon-claimer-next-page')
    expect(await violations()).toEqual([])
  })

  it('delivers events made offline exactly once when the browser is back online', async () => {
    await page.goto(url('/'))
    await ready()
    const id = await anonymousId()
    // The first page view is in: the profile exists before the network goes away.
    await expect
      .poll(async () => (await profile(id))?.events.length ?? 0, { timeout: 15_000 })
      .toBeGreaterThan(0)
    await context.setOffline(true)
    for (let i = 0; i < 5; i++) await page.getByRole('button', { name: 'View a product' }).click()
    await page.waitForTimeout(2_500) // past the flush interval: sends fail while offline
    await context.setOffline(false)
    const events = await eventsArrived(id, 'Product Viewed', 5)
    await page.waitForTimeout(2_500) // a duplicate would arrive within another flush
    const final = (await profile(id))!.events.filter((e) => e.event === 'Product Viewed')
    expect(final.map((e) => e.properties?.n).sort()).toEqual([1, 2, 3, 4, 5])
    expect(new Set(final.map((e) => e.messageId)).size).toBe(5)
    expect(events.length).toBe(5)
    expect(await violations()).toEqual([])
  })

  it('counts each event once when the network goes away mid-flush, after the collector committed it', async () => {
    await page.goto(url('/'))
    await ready()
    const id = await anonymousId()
    await expect
      .poll(async () => (await profile(id))?.events.length ?? 0, { timeout: 15_000 })
      .toBeGreaterThan(0)
    // Every flush is seen on its way: the first one with Product Viewed reaches the collector,
    // which commits it, and the network goes away before its answer reaches the page.
    const sent = new Map<string, number>()
    const statuses: number[] = []
    let cut = false
    await context.route(
      (u) => u.pathname === '/v1/batch',
      async (route) => {
        const body = JSON.parse(route.request().postData() ?? '{}') as {
          batch?: { event?: string; messageId: string }[]
        }
        const viewed = (body.batch ?? []).filter((e) => e.event === 'Product Viewed')
        for (const e of viewed) sent.set(e.messageId, (sent.get(e.messageId) ?? 0) + 1)
        const response = await route.fetch()
        statuses.push(response.status())
        if (!cut && viewed.length) {
          cut = true
          await context.setOffline(true)
          await route.abort('internetdisconnected')
        } else await route.fulfill({ response })
      },
    )
    for (let i = 0; i < 5; i++) await page.getByRole('button', { name: 'View a product' }).click()
    await expect.poll(() => cut, { timeout: 15_000 }).toBe(true)
    await page.waitForTimeout(2_500) // past the flush interval: sends fail while offline
    await context.setOffline(false)
    await eventsArrived(id, 'Product Viewed', 5)
    // The SDK sends the lost flush again (the same messageIds): the collector counts them once.
    await expect.poll(() => Math.max(...sent.values()), { timeout: 15_000 }).toBeGreaterThan(1)
    await page.waitForTimeout(2_500) // a duplicate would arrive within another flush
    const view = await profile(id)
    const stored = view!.events.filter((e) => e.event === 'Product Viewed')
    const figures = {
      fault: 'browser offline mid-flush (answer lost after the commit)',
      sent: sent.size,
      attempts: [...sent.values()].reduce((a, b) => a + b, 0),
      storedOnce: new Set(stored.map((e) => e.messageId)).size,
      doubled: stored.length - new Set(stored.map((e) => e.messageId)).size,
      fiveXx: statuses.filter((status) => status >= 500).length,
    }
    console.log(`fault figures: ${JSON.stringify(figures)}`)
    expect(figures).toMatchObject({ sent: 5, storedOnce: 5, doubled: 0, fiveXx: 0 })
    expect(figures.attempts).toBeGreaterThan(5)
    expect(stored.map((e) => e.properties?.n).sort()).toEqual([1, 2, 3, 4, 5])
  })

  it('sends an event tracked right before the page closes, by beacon', async () => {
    // A second page of the same origin hears every sendBeacon call of the first one: the closing
    // page cannot be inspected any more, and Playwright does not report its beacons.
    await context.addInitScript(() => {
      const channel = new BroadcastChannel('beacons')
      const send = navigator.sendBeacon.bind(navigator)
      navigator.sendBeacon = (target, data) => {
        channel.postMessage(typeof data === 'string' ? data : String(target))
        return send(target, data)
      }
    })
    const observer = await context.newPage()
    await observer.goto(url('/coupons'))
    await observer.evaluate(() => {
      const seen: string[] = []
      ;(window as unknown as { __beacons: string[] }).__beacons = seen
      new BroadcastChannel('beacons').onmessage = (message) => seen.push(String(message.data))
    })
    const sent: string[] = []
    page.on('request', (request) => {
      if (request.url().endsWith('/v1/batch')) sent.push(request.postData() ?? '')
    })
    await page.goto(url('/'))
    await ready()
    const id = await anonymousId()
    // While any route is set, Playwright pauses every request of the context until its handler
    // says go on, the closing page's beacon included; when the page is gone first, the beacon is
    // lost with it (the SDK called sendBeacon, and Chromium got `true`, but no request reached the
    // collector). That failed 4 of 15 runs with this SDK and 7 of 20 with b0b1f7d's, and 0 of 15
    // without the routes: the fixtures are loaded, so the rest runs as a real browser would.
    await context.unrouteAll()
    await page.getByRole('button', { name: 'View a product' }).click()
    expect(sent.filter((body) => body.includes('Product Viewed'))).toEqual([])
    await page.close({ runBeforeUnload: true })
    const events = await eventsArrived(id, 'Product Viewed', 1)
    expect(events).toHaveLength(1)
    console.log(
      `fault figures: ${JSON.stringify({ fault: 'page closed right after an event', sent: 1, storedOnce: new Set(events.map((e) => e.messageId)).size, doubled: events.length - 1 })}`,
    )
    const beacons = await observer.evaluate(
      () => (window as unknown as { __beacons: string[] }).__beacons,
    )
    const beacon = beacons.find((body) => body.includes('"Product Viewed"'))
    expect(beacon).toBeDefined()
    // A beacon cannot set headers: the writeKey travels in the body.
    expect(JSON.parse(beacon!).writeKey).toBe('demo-write-key')
  })

  it('deletes everything it stored on consent(false): IndexedDB and localStorage are empty', async () => {
    const stored = () => storedKeys(page)
    await page.goto(url('/'))
    await ready()
    await page.evaluate(async () => {
      const { tagwise: tw } = window as unknown as { tagwise: ConsentApi }
      tw.identify({ plan: 'gold' })
      tw.track('Coupon Claimed', { coupon_id: 'c1' })
      await tw.flush()
    })
    // Hidden (another tab), the page writes its backup to localStorage.
    await setHidden(page, true)
    await setHidden(page, false)
    await expect
      .poll(async () => (await stored()).indexedDb)
      .toEqual(expect.arrayContaining(['demo-write-key:user', 'demo-write-key:state']))
    expect((await stored()).localStorage).toEqual(['demo-write-key:backup'])

    await page.evaluate(() => (window as unknown as { tagwise: ConsentApi }).tagwise.consent(false))
    await expect.poll(stored).toEqual({ indexedDb: [], localStorage: [] })
    expect(errors).toEqual([])
  })

  it('a withdrawal in one tab holds in the other tab of the site, and so does a grant', async () => {
    await page.goto(url('/'))
    await ready()
    const other = await context.newPage()
    const otherErrors = watchErrors(other)
    /** The batches the other tab sends (fetch or beacon). */
    const sent: string[] = []
    other.on('request', (request) => {
      if (request.url().endsWith('/v1/batch')) sent.push(request.postData() ?? '')
    })
    await other.goto(url('/'))
    await other.evaluate(async () => {
      const { tagwise } = window as unknown as { tagwise: ConsentApi & { ready: Promise<void> } }
      await tagwise.ready
      tagwise.identify({ plan: 'gold' })
      tagwise.track('Product Viewed', { product_id: 'p1' })
      await tagwise.flush()
    })
    await setHidden(other, true) // the other tab writes its backup
    await setHidden(other, false)
    await expect
      .poll(async () => (await storedKeys(other)).indexedDb)
      .toEqual(expect.arrayContaining(['demo-write-key:user', 'demo-write-key:queue']))

    await page.evaluate(() => (window as unknown as { tagwise: ConsentApi }).tagwise.consent(false))
    await expect.poll(() => storedKeys(other)).toEqual({ indexedDb: [], localStorage: [] })
    const before = sent.length
    // The other tab keeps working in memory: its device tags, no request, nothing stored.
    await other.evaluate(async () => {
      const { tagwise } = window as unknown as { tagwise: ConsentApi }
      tagwise.track('Coupon Claimed', { coupon_id: 'c1' })
      await tagwise.flush()
    })
    await setHidden(other, true)
    await setHidden(other, false)
    await other.waitForTimeout(2_500) // past the flush interval
    expect(sent.length).toBe(before)
    expect(await storedKeys(other)).toEqual({ indexedDb: [], localStorage: [] })
    expect(
      await other.evaluate(() =>
        (window as unknown as TagwiseWindow).tagwise.has('coupon_claimer'),
      ),
    ).toBe(true)
    await expect.poll(() => other.locator('#claimed').isVisible()).toBe(true)

    await page.evaluate(() => (window as unknown as { tagwise: ConsentApi }).tagwise.consent(true))
    // The grant arrives in a task of the other tab's own: until then, what it tracks is not sent.
    await expect
      .poll(async () => {
        await other.evaluate(async () => {
          const { tagwise } = window as unknown as { tagwise: ConsentApi }
          tagwise.track('Product Viewed', { product_id: 'after the grant' })
          await tagwise.flush()
        })
        return sent.slice(before).join()
      })
      .toContain('after the grant')
    expect([...errors, ...otherErrors]).toEqual([])
  })

  it('loads the rare features chunk only for rules that use one, and they evaluate', async () => {
    const chunks = (p: Page) => {
      const seen: string[] = []
      p.on('request', (r) => seen.push(new URL(r.url()).pathname))
      return seen
    }
    const catalogChunks = chunks(page)
    await page.goto(url('/'))
    await ready()
    expect(catalogChunks).toContain('/tagwise.js')
    expect(catalogChunks).not.toContain('/tagwise-rare.js')

    // Rules the collector would send, here without their device plan: the page computes it (the
    // plan chunk), and it says the rare features are needed (the rare chunk).
    const rare = await browser.newContext()
    await serveFixtures(rare)
    await rare.route(
      (u) => u.pathname === '/v1/rules',
      (route) =>
        route.fulfill({
          status: 200,
          contentType: 'application/json',
          headers: { etag: '"rare-1"' },
          body: JSON.stringify(RARE_RULES),
        }),
    )
    const other = await rare.newPage()
    const otherErrors = watchErrors(other)
    const rareChunks = chunks(other)
    await other.goto(url('/'))
    const tags = await other.evaluate(async () => {
      const tw = (
        window as unknown as {
          tagwise: {
            ready: Promise<void>
            track(event: string, properties: object): void
            tags(): Record<string, unknown>
            explain(tag: string): Promise<unknown>
          }
        }
      ).tagwise
      await tw.ready
      tw.track('Product Viewed', { category: 'flights', price: 1200 })
      tw.track('Product Viewed', { category: 'hotels', price: 300 })
      return {
        ...tw.tags(),
        why: await tw.explain('first_seen'),
        broken: await tw.explain('broken'),
      }
    })
    expect(rareChunks).toContain('/tagwise-plan.js')
    expect(rareChunks).toContain('/tagwise-rare.js')
    const { why, broken, ...values } = tags
    expect(values).toEqual({ variety: 'mixed', first_seen: 'first: flights', budget: 'premium' })
    // The explainer comes with the rare features, its `cat` included.
    expect(why).toMatchObject({ value: 'first: flights', parts: [{ tree: { op: 'cat' } }] })
    expect(why).not.toHaveProperty('error')
    // The core of tagwise.js has no error messages; the explainer's chunk has them.
    expect(broken).toMatchObject({ value: null, error: '">" needs numbers, got "flights"' })
    expect(otherErrors).toEqual([])
    await rare.close()
  })
})

/** The rare features' document of the SDK tests, and a tag whose expression fails. */
const RARE_RULES = {
  ...RARE_DOC,
  tags: {
    ...RARE_DOC.tags,
    // Fails: "flights" is no number. Absent, and explained with the error.
    broken: { when: { '>': [{ var: 'metrics.first_category' }, 1] } },
  },
}
