// @vitest-environment node
// No window, document, location, IndexedDB or navigator: server-side rendering and workers.
import { describe, expect, it } from 'vitest'
import { createTagwise } from '../../sdk/index.ts'

describe('without a DOM', () => {
  it('creates an instance that works in memory and never throws', async () => {
    const sent: string[] = []
    const tw = createTagwise({
      writeKey: 'k',
      endpoint: 'https://collect.test',
      rules: { version: 1, metrics: {}, tags: {} },
      fetch: (async (url: string) => {
        sent.push(url)
        return { status: 200, headers: { get: () => null }, json: async () => ({}) }
      }) as unknown as typeof fetch,
    })
    tw.track('a')
    await tw.ready
    await tw.flush()
    expect(sent).toContain('https://collect.test/v1/batch')
    expect(tw.tags()).toEqual({})
  })
})
