// The `npm start` demo in Chromium: a new visitor walks the shop and sees it change from tags
// (on the device and from the edge); the dashboard finds that visitor, explains the tags and
// publishes rules. Both pass an automated accessibility check (axe-core).
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { adminKey, collectorUrl, launchBrowser, screenshot } from './browser.ts'

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

let browser: Browser
let context: BrowserContext
let page: Page
const problems: string[] = []

beforeAll(async () => {
  browser = await launchBrowser()
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  page = await context.newPage()
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`))
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`)
  })
})
afterAll(async () => {
  await browser?.close()
})

const url = (path: string) => `${collectorUrl()}${path}`
/** Opens a page and waits until the SDK has restored its state and loaded the rules. */
async function visit(path: string) {
  await page.goto(url(path))
  await page.evaluate(
    () => (window as unknown as { tagwise: { ready: Promise<void> } }).tagwise.ready,
  )
}
const visible = (selector: string) => () => page.locator(selector).first().isVisible()
const soon = { timeout: 15_000, interval: 200 }

/** axe-core's serious and critical violations on the current page (WCAG 2 A/AA rules). */
async function accessibilityViolations(): Promise<string[]> {
  // Evaluated through the DevTools protocol, which the page's CSP does not restrict.
  await page.evaluate(AXE)
  const result = await page.evaluate(() =>
    (
      window as unknown as {
        axe: {
          run(
            o: object,
          ): Promise<{ violations: { id: string; impact: string; nodes: unknown[] }[] }>
        }
      }
    ).axe.run({ runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa'] } }),
  )
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.nodes.length} nodes)`)
}

describe('the demo shop', () => {
  it('changes for a new visitor as tags appear, on the device and from the edge', async () => {
    await visit('/')
    // An edge tag from the first batch's answer: a first-time visitor is a prospect.
    await expect.poll(visible('text=New here?'), soon).toBe(true)
    expect(await page.locator('text=Your coupon is saved').isVisible()).toBe(false)
    expect(await accessibilityViolations()).toEqual([])

    // A visa page: travel intent on the device, the destination from the edge.
    await visit('/visa/japan')
    await visit('/')
    await expect.poll(visible('#trip-heading'), soon).toBe(true)
    await expect.poll(() => page.locator('#trip-heading').textContent(), soon).toContain('Japan')

    // Two luggage products: "More Luggage for you".
    await visit('/product?id=lg-cabin')
    await visit('/product?id=lg-pack')
    await page.getByRole('button', { name: 'Add to cart' }).click()
    await visit('/')
    await expect.poll(visible('#more-heading'), soon).toBe(true)
    expect(await page.locator('#more-heading').textContent()).toContain('Luggage')

    // A coupon claim: the next page says so at once.
    await visit('/coupons')
    await page.getByRole('button', { name: 'Claim SPRING10' }).click()
    await visit('/')
    await expect.poll(visible('text=Your coupon is saved'), soon).toBe(true)
    await screenshot(page, 'demo-shop-home')
  })

  it('offers help after 10 s of hesitation at payment, and an order makes a new customer', async () => {
    await page.clock.install()
    await visit('/checkout/payment')
    expect(await page.locator('text=Still deciding?').isVisible()).toBe(false)
    await page.clock.runFor(11_000)
    await expect.poll(visible('text=Still deciding?'), soon).toBe(true)
    expect(await accessibilityViolations()).toEqual([])
    await screenshot(page, 'demo-checkout-hesitant')
    await page.getByLabel('Name').fill('Ada Lovelace')
    await page.getByLabel('Email').fill('ada@example.com')
    await page.getByLabel(/Card number/).fill('4242424242424242')
    await page.getByRole('button', { name: 'Place order' }).click()
    await page.waitForURL(url('/thanks'))
    await visit('/')
    await expect.poll(visible('text=Thanks for your first order'), soon).toBe(true)
    expect(await page.locator('text=New here?').isVisible()).toBe(false)
  })

  it('ran without a page error or a CSP violation', () => {
    expect(problems).toEqual([])
  })
})

describe('the dashboard', () => {
  it('finds the visitor, shows the tag history and explains a tag', async () => {
    await page.goto(url('/dashboard/'))
    await page.getByLabel('Admin key').fill(adminKey())
    await page.getByRole('button', { name: 'Use' }).click()
    await expect
      .poll(() => page.locator('#catalog-summary').textContent(), soon)
      .toMatch(/\d+ tags/)
    await page.getByLabel(/Profile id/).fill('ada@example.com')
    await page.getByRole('button', { name: 'Look up' }).click()
    const profile = page.locator('#profile-body')
    await expect.poll(() => profile.textContent(), soon).toContain('lifecycle_stage')
    expect(await profile.textContent()).toMatch(/lifecycle_stage: null → "?prospect"?/)
    expect(await profile.textContent()).toMatch(/lifecycle_stage: "?prospect"? → "?new"?/)
    await profile.getByRole('button', { name: 'why?' }).first().click()
    await expect.poll(() => profile.locator('pre').first().textContent(), soon).toContain('"op"')
    expect(await accessibilityViolations()).toEqual([])
    await screenshot(page, 'demo-dashboard')
  })

  it("charts a tag's coverage over time from the daily snapshot", async () => {
    // The Cron Trigger, run on demand (wrangler dev --test-scheduled).
    expect((await fetch(`${collectorUrl()}/__scheduled?cron=5+0+*+*+*`)).ok).toBe(true)
    await page.getByRole('button', { name: 'Refresh' }).click()
    const spark = page.getByRole('button', { name: 'coverage of lifecycle_stage over time' })
    await expect.poll(() => spark.count(), soon).toBe(1)
    await spark.click()
    await expect
      .poll(() => page.locator('#history-h').textContent(), soon)
      .toBe('Coverage of lifecycle_stage, last 30 days')
    await expect
      .poll(() => page.locator('#history-chart svg').getAttribute('aria-label'), soon)
      .toMatch(/^lifecycle_stage: \d{4}-\d{2}-\d{2} [1-9]/)
    await page.getByRole('button', { name: '365 days' }).click()
    await expect
      .poll(() => page.locator('#history-h').textContent(), soon)
      .toBe('Coverage of lifecycle_stage, last 365 days')
    expect(await accessibilityViolations()).toEqual([])
    await page.locator('#history').screenshot({ path: 'test-results/demo-coverage-history.png' })
  })

  it('previews a rules change (errors, then who gains and loses each tag), publishes it, rolls it back', async () => {
    await page.getByRole('button', { name: 'Reload active version' }).click()
    await expect
      .poll(() => page.locator('#rules-version').textContent(), soon)
      .toMatch(/^active version "/)
    const before = await page.locator('#rules-version').textContent()
    const original = await page.getByLabel('Rules document (JSON)').inputValue()
    const document = JSON.parse(original)
    document.metrics.coupon_claims_session.agg = 'median'
    await page.getByLabel('Rules document (JSON)').fill(JSON.stringify(document, null, 2))
    await page.getByRole('button', { name: 'Preview' }).click()
    await expect
      .poll(() => page.locator('#rules-result').textContent(), soon)
      .toContain('metrics.coupon_claims_session.agg')
    expect(await page.getByRole('button', { name: 'Publish' }).isDisabled()).toBe(true)

    document.metrics.coupon_claims_session.agg = 'count'
    document.tags.e2e_demo_tag = {
      name: 'E2E demo tag',
      when: { '>=': [{ var: 'metrics.orders_lifetime' }, 1] },
    }
    await page.getByLabel('Rules document (JSON)').fill(JSON.stringify(document, null, 2))
    await page.getByRole('button', { name: 'Preview' }).click()
    // The buyer of the shop test holds the new tag: the preview shows it gained, nothing published.
    await expect
      .poll(() => page.locator('#preview-table').textContent(), soon)
      .toContain('e2e_demo_tag')
    const row = page.locator('#preview-table tr', { hasText: 'e2e_demo_tag' })
    expect(Number(await row.locator('td').nth(1).textContent())).toBeGreaterThanOrEqual(1)
    expect(await page.locator('#rules-version').textContent()).toBe(before)
    expect(await accessibilityViolations()).toEqual([])
    await screenshot(page, 'demo-dashboard-preview')
    await page.locator('#rules').screenshot({ path: 'test-results/demo-rules-preview.png' })

    await page.getByRole('button', { name: 'Publish' }).click()
    await expect
      .poll(() => page.locator('#rules-result').textContent(), soon)
      .toContain('Published version')
    await expect
      .poll(() => page.locator('#catalog-body').textContent(), soon)
      .toContain('e2e_demo_tag')

    // The diff of the version before with the active one: the tag added, nothing else.
    const previous = before!.replace('active version ', '').replaceAll('"', '')
    await page
      .locator('#rules-versions li', { hasText: previous })
      .first()
      .getByRole('button', { name: 'Compare with active' })
      .click()
    await expect
      .poll(() => page.locator('#rules-diff').textContent(), soon)
      .toContain('e2e_demo_tag added')
    expect(await page.locator('#rules-diff').textContent()).toContain('metrics: no change')

    // One click back to the version before: the example catalog, for the other tests too.
    await page
      .locator('#rules-versions li', { hasText: previous })
      .first()
      .getByRole('button', { name: 'Roll back to this version' })
      .click()
    await expect
      .poll(() => page.locator('#rules-result').textContent(), soon)
      .toContain(`Rolled back to version ${previous}`)
    await expect.poll(() => page.locator('#rules-version').textContent(), soon).toBe(before)
    // Published twice now (first, then by the rollback): one entry is the active one.
    await expect
      .poll(() => page.locator('#rules-versions li', { hasText: '(active)' }).count(), soon)
      .toBe(1)
    await expect
      .poll(() => page.locator('#catalog-body').textContent(), soon)
      .not.toContain('e2e_demo_tag')
  })
})
