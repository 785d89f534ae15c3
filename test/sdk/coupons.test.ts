// @vitest-environment happy-dom
import 'fake-indexeddb/auto'
import { describe, expect, it } from 'vitest'
import { fakeCollector, start } from './harness.ts'

describe('coupon capture', () => {
  it('tracks Coupon Claimed with coupon_id and the other data-tw-* values', async () => {
    const collector = fakeCollector()
    const tw = start(collector, { autoPage: false })
    await tw.ready
    document.body.innerHTML =
      '<button data-tw-coupon="SPRING10" data-tw-campaign-name="spring" data-tw-value="10"><span>Claim</span></button>'
    document.querySelector('span')!.click()
    expect(tw.has('coupon_claimer')).toBe(true)
    await tw.flush()
    expect(collector.events()).toMatchObject([
      {
        type: 'track',
        event: 'Coupon Claimed',
        properties: { coupon_id: 'SPRING10', campaign_name: 'spring', value: '10' },
      },
    ])
  })

  it('works for elements added later and when the app stops propagation', async () => {
    const collector = fakeCollector()
    const tw = start(collector, { autoPage: false })
    await tw.ready
    const button = document.createElement('a')
    button.dataset.twCoupon = 'LATE'
    button.addEventListener('click', (event) => event.stopPropagation())
    document.body.append(button)
    button.click()
    document.body.click()
    await tw.flush()
    expect(collector.events().map((e) => e.properties)).toEqual([{ coupon_id: 'LATE' }])
  })

  it('does nothing with coupons: false', async () => {
    const collector = fakeCollector()
    const tw = start(collector, { autoPage: false, coupons: false })
    await tw.ready
    document.body.innerHTML = '<button data-tw-coupon="X">Claim</button>'
    document.querySelector('button')!.click()
    await tw.flush()
    expect(collector.events()).toEqual([])
  })
})
