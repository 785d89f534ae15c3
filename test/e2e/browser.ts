// Debian's Chromium driven by playwright-core (Playwright's own browser download does not work on
// these machines). TAGWISE_CHROMIUM overrides the binary.
import { mkdirSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { expect, inject } from 'vitest'
import { anonymousProfile } from '../../rules/index.ts'

export const collectorUrl = (): string => inject('collectorUrl')
export const adminKey = (): string => inject('adminKey')

/**
 * `backForwardCache`: Playwright turns the back/forward cache off (`--disable-back-forward-cache`,
 * CDP reason `BackForwardCacheDisabledByCommandLine`); without that flag headless Chromium keeps
 * pages in it as a visitor's browser does.
 */
export function launchBrowser(options: { backForwardCache?: boolean } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.TAGWISE_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu'],
    ignoreDefaultArgs: options.backForwardCache ? ['--disable-back-forward-cache'] : [],
  })
}

/** Where screenshots go (gitignored; CI keeps them as artifacts). */
const RESULTS = 'test-results'

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(RESULTS, { recursive: true })
  await page.screenshot({ path: join(RESULTS, `${name}.png`), fullPage: true })
}

/** The strict policy every test page is served with: scripts only from the page's own origin. */
export const CSP = "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'"

/**
 * Serves the fixture pages of test/e2e/pages/ on the collector's own origin: `/checkout/payment`
 * → `pages/checkout-payment.html`, with the strict CSP. Everything else (`/tagwise.js`, `/v1/*`)
 * goes to the real collector, so the page loads the real script-tag build from its real origin.
 * While a route is set, Playwright holds every request of the context (these too) until its
 * handler lets it go: a beacon of a page that closes meanwhile can be lost. A test of what a
 * closing page sends calls `context.unrouteAll()` first.
 */
export async function serveFixtures(context: BrowserContext): Promise<void> {
  const origin = collectorUrl()
  await context.route(
    (url) =>
      url.origin === origin &&
      !url.pathname.startsWith('/v1/') &&
      !url.pathname.startsWith('/tagwise'),
    async (route) => {
      const path = new URL(route.request().url()).pathname
      const name = path === '/' ? 'home' : path.slice(1).replaceAll('/', '-')
      const type = name.endsWith('.js') ? 'text/javascript' : 'text/html; charset=utf-8'
      try {
        const body = await readFile(
          join(import.meta.dirname, 'pages', name.endsWith('.js') ? name : `${name}.html`),
        )
        await route.fulfill({
          status: 200,
          body,
          headers: { 'content-type': type, 'content-security-policy': CSP },
        })
      } catch {
        await route.fulfill({
          status: 404,
          body: 'no fixture',
          headers: { 'content-type': 'text/plain' },
        })
      }
    },
  )
}

/** Fails the test on any CSP violation or uncaught page error. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`))
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`)
  })
  return errors
}

/**
 * Headless Chromium keeps every page "visible": switching tabs or minimizing the window through
 * CDP does not change `document.visibilityState` (checked with Chromium 156). So the tests drive
 * the Page Visibility API at the DOM level, as the browser would: the state is overridden before
 * any page script runs, and `setHidden` flips it and fires `visibilitychange` (plus
 * `pagehide`-free semantics: a hidden tab is still alive).
 */
export async function controlVisibility(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    let hidden = false
    Object.defineProperty(document, 'visibilityState', {
      get: () => (hidden ? 'hidden' : 'visible'),
    })
    Object.defineProperty(document, 'hidden', { get: () => hidden })
    ;(window as unknown as { __setHidden: (h: boolean) => void }).__setHidden = (h: boolean) => {
      hidden = h
      document.dispatchEvent(new Event('visibilitychange'))
    }
  })
}

export async function setHidden(page: Page, hidden: boolean): Promise<void> {
  await page.evaluate(
    (h) => (window as unknown as { __setHidden: (h: boolean) => void }).__setHidden(h),
    hidden,
  )
}

/** The collector's view of anonymous visitor `anonymousId`'s profile (admin API). */
export async function profile(anonymousId: string): Promise<{
  events: {
    type: string
    event?: string
    messageId: string
    properties?: Record<string, unknown>
  }[]
  tags: Record<string, unknown>
} | null> {
  const id = anonymousProfile(anonymousId)
  const response = await fetch(`${collectorUrl()}/v1/profiles/${encodeURIComponent(id)}`, {
    headers: { authorization: `Bearer ${adminKey()}` },
  })
  if (response.status === 404) return null
  if (!response.ok)
    throw new Error(`GET /v1/profiles/${id}: ${response.status} ${await response.text()}`)
  return response.json()
}

/** Polls the collector until anonymous visitor `anonymousId`'s profile has `count` events named `name`. */
export async function eventsArrived(anonymousId: string, name: string, count: number) {
  let events: { event?: string; messageId: string; properties?: Record<string, unknown> }[] = []
  await expect
    .poll(
      async () => {
        events = ((await profile(anonymousId))?.events ?? []).filter((e) => e.event === name)
        return events.length
      },
      { timeout: 15_000, interval: 250 },
    )
    .toBeGreaterThanOrEqual(count)
  return events
}
