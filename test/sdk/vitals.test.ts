// @vitest-environment happy-dom
import 'fake-indexeddb/auto'
import { describe, expect, it, vi } from 'vitest'
import { fakeCollector, start } from './harness.ts'

vi.mock('web-vitals', () => {
  const report = (value: number) => (callback: (metric: { value: number }) => void) =>
    callback({ value })
  return {
    onLCP: report(1834.6),
    onINP: report(96),
    onCLS: report(0.123456),
    onTTFB: report(210.2),
  }
})

describe('web vitals', () => {
  it('attaches the page load vitals to the first Page Left only', async () => {
    history.replaceState(null, '', '/a')
    const collector = fakeCollector()
    const tw = start(collector, { vitals: true })
    await tw.ready
    // The vitals load lazily (their own chunk, nothing waits for it): once that module is in, a
    // task later the page's values are kept.
    await import('../../sdk/browser/vitals-chunk.ts')
    await new Promise((resolve) => setTimeout(resolve, 0))
    history.pushState(null, '', '/b')
    history.pushState(null, '', '/c')
    await tw.flush()
    const left = collector.events().filter((e) => e.event === 'Page Left')
    expect(left[0].properties).toEqual({
      path: '/a',
      dwell_ms: expect.any(Number),
      lcp_ms: 1835,
      inp_ms: 96,
      cls: 0.1235,
      ttfb_ms: 210,
    })
    expect(Object.keys(left[1].properties)).toEqual(['path', 'dwell_ms'])
  })

  it('sends Page Left without vitals with vitals: false', async () => {
    const collector = fakeCollector()
    const tw = start(collector, { vitals: false })
    history.pushState(null, '', '/elsewhere-' + Math.random())
    await tw.flush()
    const left = collector.events().find((e) => e.event === 'Page Left')
    expect(Object.keys(left.properties)).toEqual(['path', 'dwell_ms'])
  })
})
