// @vitest-environment happy-dom
import 'fake-indexeddb/auto'
import { describe, expect, it, vi } from 'vitest'
import { fakeCollector, start } from './harness.ts'

const el = (id: string) => document.getElementById(id) as HTMLElement

describe('personalization attributes', () => {
  it('shows and hides elements by tag and tag=value, and lists tags on <html>', async () => {
    document.body.innerHTML = `
      <div id="claimer" data-tw-show-if="coupon_claimer" hidden>Thanks for claiming</div>
      <div id="not-claimer" data-tw-hide-if="coupon_claimer">Claim a coupon</div>
      <div id="luggage" data-tw-show-if="browsing_category=luggage">Luggage deals</div>
      <div id="flights" data-tw-show-if="browsing_category=flights">Flight deals</div>`
    const tw = start(fakeCollector(), { autoPage: false })
    await tw.ready
    // Showing and hiding is a lazy chunk: it may land just after `ready`.
    await vi.waitFor(() =>
      expect([el('claimer').hidden, el('not-claimer').hidden, el('luggage').hidden]).toEqual([
        true,
        false,
        true,
      ]),
    )
    tw.track('Coupon Claimed', { coupon_id: 'c' })
    tw.track('Product Viewed', { category: 'luggage' })
    tw.track('Product Viewed', { category: 'luggage' })
    expect(el('claimer').hidden).toBe(false)
    expect(el('not-claimer').hidden).toBe(true)
    expect(el('luggage').hidden).toBe(false)
    expect(el('flights').hidden).toBe(true)
    const listed = document.documentElement.getAttribute('data-tw-tags')!.split(' ')
    expect(listed).toContain('coupon_claimer')
    expect(listed).toContain('browsing_category=luggage')
  })

  it('applies to elements added later', async () => {
    const tw = start(fakeCollector(), { autoPage: false })
    await tw.ready
    tw.track('Coupon Claimed', { coupon_id: 'c' })
    document.body.innerHTML = `<section><p id="later" data-tw-show-if="coupon_claimer" hidden>Hi</p>
      <p id="later-hidden" data-tw-show-if="travel_intent">Visa help</p></section>`
    await vi.waitFor(() => expect(el('later').hidden).toBe(false))
    expect(el('later-hidden').hidden).toBe(true)
    const changed = document.createElement('p')
    document.body.append(changed)
    changed.setAttribute('data-tw-hide-if', 'coupon_claimer')
    await vi.waitFor(() => expect(changed.hidden).toBe(true))
  })

  it('leaves the page alone with personalize: false', async () => {
    document.body.innerHTML = '<div id="x" data-tw-show-if="coupon_claimer">x</div>'
    document.documentElement.removeAttribute('data-tw-tags')
    const tw = start(fakeCollector(), { autoPage: false, personalize: false })
    await tw.ready
    expect(el('x').hidden).toBe(false)
    expect(document.documentElement.hasAttribute('data-tw-tags')).toBe(false)
  })
})
