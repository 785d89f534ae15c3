// @vitest-environment happy-dom
import 'fake-indexeddb/auto'
import { describe, expect, it, vi } from 'vitest'
import {
  beacon,
  fakeCollector,
  fakeTime,
  pagehide,
  setBeacon,
  setVisible,
  start,
} from './harness.ts'

const paths = (events: any[]) => events.map((e) => [e.type, e.event ?? e.properties.path])

describe('page capture', () => {
  it('sends a page view on pushState, replaceState, popstate and hashchange, once per URL', async () => {
    history.replaceState(null, '', '/home')
    const collector = fakeCollector()
    const tw = start(collector, { dwell: false })
    await tw.ready
    history.pushState(null, '', '/products')
    history.pushState(null, '', '/products') // same URL: no new page
    history.replaceState(null, '', '/products?sort=price')
    history.pushState(null, '', '/cart')
    history.back()
    await vi.waitFor(() => expect(location.pathname).toBe('/products'))
    window.dispatchEvent(new PopStateEvent('popstate'))
    location.hash = '#reviews'
    window.dispatchEvent(new HashChangeEvent('hashchange'))
    await tw.flush()
    expect(paths(collector.events())).toEqual([
      ['page', '/home'],
      ['page', '/products'],
      ['page', '/products'],
      ['page', '/cart'],
      ['page', '/products'],
      ['page', '/products'],
    ])
    const [, , sorted, , , hash] = collector.events()
    expect(sorted.context.page.url).toMatch(/\/products\?sort=price$/)
    expect(hash.context.page.url).toMatch(/#reviews$/)
  })

  it('sets context.page with the previous URL as referrer after SPA navigation', async () => {
    history.replaceState(null, '', '/a')
    const collector = fakeCollector()
    const tw = start(collector, { dwell: false })
    document.title = 'Page B'
    history.pushState(null, '', '/b')
    await tw.flush()
    const b = collector.events()[1]
    expect(b.context.page).toEqual({
      path: '/b',
      url: location.href,
      referrer: location.origin + '/a',
      title: 'Page B',
    })
    expect(b.properties).toMatchObject({ path: '/b', url: location.href, title: 'Page B' })
  })

  it('does not capture pages with autoPage: false', async () => {
    const collector = fakeCollector()
    const tw = start(collector, { autoPage: false, dwell: false })
    history.pushState(null, '', '/elsewhere')
    tw.track('x')
    await tw.flush()
    expect(paths(collector.events())).toEqual([['track', 'x']])
  })
})

describe('dwell', () => {
  it('sends Page Left with the visible time on SPA navigation', async () => {
    fakeTime()
    history.replaceState(null, '', '/checkout/cart')
    const collector = fakeCollector()
    const tw = start(collector)
    await tw.ready
    vi.advanceTimersByTime(4000)
    setVisible(false)
    vi.advanceTimersByTime(60_000)
    setVisible(true)
    vi.advanceTimersByTime(3000)
    history.pushState(null, '', '/thanks')
    await tw.flush()
    const events = collector.events()
    expect(paths(events)).toEqual([
      ['page', '/checkout/cart'],
      ['track', 'Page Left'],
      ['page', '/thanks'],
    ])
    expect(events[1].properties).toEqual({ path: '/checkout/cart', dwell_ms: 7000 })
    expect(events[1].context.page.path).toBe('/checkout/cart')
  })

  it('sends Page Left on pagehide, through sendBeacon with the writeKey in a text body', async () => {
    fakeTime()
    history.replaceState(null, '', '/visa/japan')
    const collector = fakeCollector()
    const tw = start(collector, { writeKey: 'wk-beacon' })
    await tw.ready
    vi.advanceTimersByTime(1500)
    pagehide()
    expect(beacon).toHaveBeenCalledTimes(1)
    const [url, body] = beacon.mock.calls[0]!
    expect(url).toBe('https://collect.test/v1/batch')
    expect(typeof body).toBe('string')
    const payload = JSON.parse(body)
    expect(payload.writeKey).toBe('wk-beacon')
    expect(paths(payload.batch)).toEqual([
      ['page', '/visa/japan'],
      ['track', 'Page Left'],
    ])
    expect(payload.batch[1].properties).toEqual({ path: '/visa/japan', dwell_ms: 1500 })
  })

  it('falls back to a keepalive fetch when sendBeacon is missing', async () => {
    setBeacon(undefined)
    const collector = fakeCollector()
    const tw = start(collector)
    await tw.ready
    pagehide()
    const request = collector.batches().at(-1)!
    expect(request.keepalive).toBe(true)
    expect(request.headers['content-type']).toBe('text/plain')
    expect(request.body.batch.map((e: any) => e.event ?? e.type)).toEqual(['page', 'Page Left'])
  })

  it('starts a new page view when the page comes back from the back/forward cache', async () => {
    const collector = fakeCollector()
    const tw = start(collector)
    await tw.ready
    pagehide()
    const show = new Event('pageshow')
    Object.defineProperty(show, 'persisted', { value: true })
    window.dispatchEvent(show)
    await tw.flush()
    expect(collector.events().map((e) => e.event ?? e.type)).toEqual(['page', 'Page Left', 'page'])
  })
})
