// The back/forward cache in a real Chromium (its default, which Playwright turns off): a page with
// tagwise must be restored from it like a page without, when the visitor goes back after another
// page of the site that runs tagwise too (the normal case), and when tagwise runs in another tab
// meanwhile. Chromium evicts a page whose IndexedDB transaction is still open when another page
// needs the database (`IgnoreEventAndEvict`): one waiting for the frozen page's JavaScript never
// ends. And no event is lost on the way.
import type { Browser, BrowserContext, Page } from 'playwright-core'
import type { Protocol } from 'playwright-core/types/protocol'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  collectorUrl,
  eventsArrived,
  launchBrowser,
  serveFixtures,
  watchErrors,
} from './browser.ts'

let browser: Browser
let context: BrowserContext
let page: Page
let errors: string[]
/** Why Chromium did not restore the page from the back/forward cache, per attempt. */
let notRestored: string[][]

beforeAll(async () => {
  browser = await launchBrowser({ backForwardCache: true })
})
afterAll(async () => {
  await browser?.close()
})

beforeEach(async () => {
  context = await browser.newContext()
  await serveFixtures(context)
  // Under the fixtures' CSP no inline script runs: an init script notes each `pageshow`.
  await context.addInitScript(() => {
    const shows: boolean[] = []
    ;(window as unknown as { __shows: boolean[] }).__shows = shows
    addEventListener('pageshow', (event) => shows.push(event.persisted))
  })
  page = await context.newPage()
  errors = watchErrors(page)
  notRestored = []
  const cdp = await context.newCDPSession(page)
  await cdp.send('Page.enable')
  cdp.on('Page.backForwardCacheNotUsed', (event: Protocol.Page.backForwardCacheNotUsedPayload) =>
    notRestored.push(event.notRestoredExplanations.map((reason) => reason.reason)),
  )
})
afterEach(async () => {
  await context?.close()
})

const url = (path: string) => `${collectorUrl()}${path}`
type TagwiseWindow = {
  tagwise: {
    ready: Promise<void>
    user(): { anonymousId: string }
    track(event: string, properties: Record<string, string>): void
    flush(): Promise<void>
  }
}
const ready = (target: Page) =>
  target.evaluate(() => (window as unknown as TagwiseWindow).tagwise.ready)

/**
 * Goes back and says whether the page came from the back/forward cache: its `pageshow` with
 * `persisted`. (A page loaded again from history has the navigation type `back_forward`; a restored
 * page keeps the type of its first load.)
 */
async function back(): Promise<boolean> {
  // A restored page fires no `load`.
  await page.goBack({ waitUntil: 'commit' })
  const shows = () =>
    page.evaluate(() => (window as unknown as { __shows?: boolean[] }).__shows ?? [])
  await expect.poll(async () => (await shows()).length).toBeGreaterThan(0)
  return (await shows()).at(-1) === true
}

describe('the back/forward cache', () => {
  it('restores a page without tagwise (the control: the cache is on in this browser)', async () => {
    await page.goto(url('/plain'))
    await page.goto(url('/plain-other'))
    expect({ restored: await back(), notRestored }).toEqual({ restored: true, notRestored: [] })
  })

  it('restores a tagwise page after another tagwise page of the site, and every event arrives', async () => {
    await page.goto(url('/'))
    await ready(page)
    const id = await page.evaluate(
      () => (window as unknown as TagwiseWindow).tagwise.user().anonymousId,
    )
    // An event right before leaving: in no store yet when the page goes.
    await page.getByRole('button', { name: 'View a product' }).click()
    await page.goto(url('/checkout/payment'))
    await ready(page)
    expect({ restored: await back(), notRestored }).toEqual({ restored: true, notRestored: [] })

    // The restored page goes on as before; the events of both pages arrive, each once.
    await page.evaluate(async () => {
      const { tagwise: tw } = window as unknown as TagwiseWindow
      tw.track('Restored', { from: 'bfcache' })
      await tw.flush()
    })
    await eventsArrived(id, 'Restored', 1)
    const viewed = await eventsArrived(id, 'Product Viewed', 1)
    const left = await eventsArrived(id, 'Page Left', 2)
    expect(viewed).toHaveLength(1)
    expect(left.map((event) => event.properties?.path).sort()).toEqual(['/', '/checkout/payment'])
    expect(errors).toEqual([])
  })

  it('restores a tagwise page when tagwise ran in another tab meanwhile', async () => {
    await page.goto(url('/'))
    await ready(page)
    await page.goto(url('/plain'))
    const tab = await context.newPage()
    await tab.goto(url('/coupons'))
    await ready(tab)
    await tab.evaluate(() => (window as unknown as TagwiseWindow).tagwise.flush())
    expect({ restored: await back(), notRestored }).toEqual({ restored: true, notRestored: [] })
  })
})
