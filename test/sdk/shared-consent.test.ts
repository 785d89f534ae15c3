// @vitest-environment node
// The message handling of consent shared by the pages of a site (sdk/browser/shared-consent.ts), over
// a fake channel that delivers when the test says, as BroadcastChannel may: each sender's messages
// in order, different senders' interleaved any way.
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  shareConsent,
  type ConsentMessage,
  type OpenChannel,
} from '../../sdk/browser/shared-consent.ts'

/** Pages of one site: their channels, and the messages on their way from one page to another. */
function site() {
  const receivers: ((message: unknown) => void)[] = []
  /** `inTransit[from][to]`: sent by page `from`, not yet delivered to page `to`, in order. */
  const inTransit: unknown[][][] = []
  const sent: ConsentMessage[] = []
  /** A page's channel: what it sends goes to every other page, when delivered. */
  const open: OpenChannel = (name, receive) => {
    expect(name).toBe('tagwise:wk:consent')
    const from = receivers.push(receive) - 1
    inTransit[from] = []
    return (message) => {
      sent.push(message)
      receivers.forEach((_, to) => {
        if (to !== from) (inTransit[from]![to] ??= []).push(message)
      })
    }
  }
  /** Delivers the oldest message from `from` to `to`, if there is one. */
  const deliver = (from: number, to: number) => {
    const message = inTransit[from]?.[to]?.shift()
    if (message !== undefined) receivers[to]!(message)
  }
  const deliverAll = () =>
    receivers.forEach((_, from) =>
      receivers.forEach((_, to) => {
        while (inTransit[from]?.[to]?.length) deliver(from, to)
      }),
    )
  return { open, deliver, deliverAll, sent, receivers }
}

/** A page of `pages`: its decide function and the decisions it applied, in order. */
function page(pages: ReturnType<typeof site>) {
  const applied: boolean[] = []
  const decide = shareConsent(pages.open, 'wk', (granted) => applied.push(granted))
  return { decide, applied }
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'], now: Date.parse('2026-03-01T10:00:00Z') })
})
afterEach(() => {
  vi.useRealTimers()
})

describe('consent shared by the pages of a site', () => {
  it("applies a page's own decision at once and tells the others, who apply it", () => {
    const pages = site()
    const first = page(pages)
    const second = page(pages)
    first.decide(false)
    expect(first.applied).toEqual([false])
    expect(second.applied).toEqual([])
    pages.deliverAll()
    expect(second.applied).toEqual([false])
    expect(pages.sent).toEqual([{ granted: false, at: Date.now() }])
  })

  it('ignores messages that are not decisions (other code of the site may use the channel)', () => {
    const pages = site()
    const first = page(pages)
    for (const message of [null, 'false', { granted: 'no', at: 1 }, { granted: false }, []])
      pages.receivers[0]!(message)
    expect(first.applied).toEqual([])
  })

  it("ignores a decision older than the page's own", () => {
    const pages = site()
    const first = page(pages)
    const second = page(pages)
    first.decide(false)
    vi.advanceTimersByTime(5)
    second.decide(true)
    pages.deliverAll()
    expect(first.applied).toEqual([false, true])
    expect(second.applied).toEqual([true])
  })

  it('two pages deciding in the same millisecond agree on the withdrawal', () => {
    const pages = site()
    const first = page(pages)
    const second = page(pages)
    first.decide(true)
    second.decide(false)
    pages.deliverAll()
    expect(first.applied.at(-1)).toBe(false)
    expect(second.applied.at(-1)).toBe(false)
  })

  it('a page deciding twice in one millisecond: the others apply both, in order', () => {
    const pages = site()
    const first = page(pages)
    const second = page(pages)
    first.decide(false)
    first.decide(true)
    pages.deliverAll()
    expect(second.applied).toEqual([false, true])
  })

  it('whatever the timing and delivery order, every page ends on the same decision', () => {
    const step = fc.oneof(
      fc.record({
        decide: fc.boolean(),
        page: fc.nat(3),
        /** Milliseconds since the step before (often none: decisions in one millisecond). */
        after: fc.constantFrom(0, 0, 1, 2),
      }),
      fc.record({ from: fc.nat(3), to: fc.nat(3) }),
    )
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 4 }), fc.array(step, { maxLength: 40 }), (n, steps) => {
        const pages = site()
        const all = Array.from({ length: n }, () => page(pages))
        for (const s of steps) {
          if ('decide' in s) {
            vi.advanceTimersByTime(s.after)
            all[s.page % n]!.decide(s.decide)
          } else pages.deliver(s.from % n, s.to % n)
        }
        pages.deliverAll()
        if (!pages.sent.length) return
        // The latest decision sent; of two in one millisecond, the withdrawal.
        const latest = pages.sent.reduce((a, b) =>
          b.at > a.at || (b.at === a.at && !b.granted) ? b : a,
        )
        for (const { applied } of all) expect(applied.at(-1)).toBe(latest.granted)
      }),
    )
  })
})
