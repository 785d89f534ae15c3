// @vitest-environment happy-dom
import 'fake-indexeddb/auto'
import { describe, expect, it, vi } from 'vitest'
import type { Tagwise } from '../../sdk/index.ts'
import { fakeCollector } from './harness.ts'

describe('script tag build (sdk/global.ts)', () => {
  it('creates window.tagwise from data attributes and replays the snippet queue', async () => {
    const collector = fakeCollector()
    vi.stubGlobal('fetch', collector.fetch)
    const script = document.createElement('script')
    script.dataset.writeKey = 'wk-script'
    script.type = 'text/x-not-loaded' // happy-dom would try (and refuse) to fetch it
    script.setAttribute('src', 'https://cdn-collector.test/tagwise.js')
    document.head.append(script)
    // The 5-line snippet of global.ts, run before the script loads.
    const w = window as unknown as { tagwise: any }
    w.tagwise = w.tagwise || { q: [] }
    for (const m of ['page', 'track', 'identify', 'alias', 'reset', 'consent', 'on'])
      w.tagwise[m] =
        w.tagwise[m] ||
        function (...args: unknown[]) {
          w.tagwise.q.push([m, args])
        }
    const changes = vi.fn()
    w.tagwise.identify('u1', {}, { userHash: 'hash-u1' })
    w.tagwise.track('Coupon Claimed', { coupon_id: 'early' })
    w.tagwise.on('change', changes)

    await import('../../sdk/browser/global.ts')
    const tw = w.tagwise as Tagwise
    expect(typeof tw.tags).toBe('function')
    await tw.ready
    await vi.waitFor(() => expect(tw.has('coupon_claimer')).toBe(true))
    expect(changes).toHaveBeenCalled()
    await tw.flush()
    const batch = collector.batches()[0]!
    expect(batch.url).toBe('https://cdn-collector.test/v1/batch')
    expect(batch.body.writeKey).toBe('wk-script')
    // The queued identify keeps its userHash (secure mode).
    expect(collector.events().map((e) => [e.type, e.event, e.userId, e.context.userHash])).toEqual([
      ['page', undefined, undefined, undefined],
      ['identify', undefined, 'u1', 'hash-u1'],
      ['track', 'Coupon Claimed', 'u1', 'hash-u1'],
    ])
    expect(collector.requests.find((r) => r.path === '/v1/rules')).toBeDefined()
  })
})
