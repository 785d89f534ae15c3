// @vitest-environment node
// Runs the files of examples/miniprogram in the fake runtime, as the mini-program runtime would:
// app.js first, then each page file of app.json, each as a CommonJS module. The adapter the
// example requires from libs/ is the file that ships, dist/tagwise-miniprogram.js (Terser-minified
// CommonJS; `npm test` builds it first), so the minified build is what runs the journey here.
import { readFileSync } from 'node:fs'
import { dirname, join, normalize } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import catalog from '../../examples/rules/catalog.json' with { type: 'json' }
import { fakeWx, type FakeRuntime, type SentRequest } from './fake-runtime.ts'

const ROOT = 'examples/miniprogram'
const BUILT = 'dist/tagwise-miniprogram.js'
let rt: FakeRuntime

/** Runs `file` (relative to the example) as a CommonJS module and returns its exports. */
function run(file: string): unknown {
  const path = normalize(join(ROOT, file))
  const source = path === join(ROOT, 'libs/tagwise-miniprogram.js') ? BUILT : path
  const module = { exports: {} as unknown }
  const require = (name: string) => run(join(dirname(file), name))
  new Function('require', 'module', 'exports', readFileSync(source, 'utf8'))(
    require,
    module,
    module.exports,
  )
  return module.exports
}

/** Answers like the collector: the catalog as rules, every batch acknowledged. */
const server = (request: SentRequest) =>
  request.path === '/v1/rules'
    ? { status: 200, body: catalog }
    : { status: 200, body: request.path === '/v1/tags' ? { tags: {} } : { success: true } }

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
  rt = fakeWx({ server })
  vi.stubGlobal('console', { ...console, debug: () => undefined })
  run('app.js')
  const { pages } = JSON.parse(readFileSync(join(ROOT, 'app.json'), 'utf8')) as { pages: string[] }
  for (const route of pages) rt.loadPage(route, () => run(`${route}.js`))
})
afterEach(() => {
  rt.uninstall()
  vi.useRealTimers()
})

describe('examples/miniprogram', () => {
  it('has what WeChat DevTools needs to import it', () => {
    const { pages } = JSON.parse(readFileSync(join(ROOT, 'app.json'), 'utf8')) as {
      pages: string[]
    }
    const config = JSON.parse(readFileSync(join(ROOT, 'project.config.json'), 'utf8'))
    expect(config.compileType).toBe('miniprogram')
    for (const route of pages)
      for (const ext of ['js', 'json', 'wxml', 'wxss'])
        expect(() => readFileSync(join(ROOT, `${route}.${ext}`))).not.toThrow()
  })

  it('shows the personalized block after a coupon tap, and the help block after 10 s at checkout', async () => {
    rt.launch('/home/index')
    await vi.advanceTimersByTimeAsync(3100) // remote rules loaded
    expect(rt.page!.data.tags).toEqual({})
    const coupons = rt.navigateTo('/coupon/index?campaign=spring')
    coupons.claim({ currentTarget: { dataset: { id: 'spring-10' } } })
    const home = rt.navigateBack()!
    expect(home.data.tags.coupon_claimer).toBe(true)
    const checkout = rt.navigateTo('/checkout/index')
    expect(checkout.data.tags.checkout_hesitant).toBeUndefined()
    await vi.advanceTimersByTimeAsync(10_001)
    expect(checkout.data.tags.checkout_hesitant).toBe(true)
    await vi.advanceTimersByTimeAsync(3000)
    const events = rt.requests
      .filter((r) => r.path === '/v1/batch' && r.outcome === 200)
      .flatMap((r) => r.body.batch)
    expect(events.find((e: any) => e.event === 'Coupon Claimed').properties).toEqual({
      coupon_id: 'spring-10',
      campaign: 'spring',
    })
  })
})
