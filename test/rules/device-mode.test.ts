// Runs only in the vitest projects `device` and `generic` (vitest.config.ts): proves they really
// compile the engine as the device builds do, so their conformance, property and parity runs
// cover the generic evaluators without the fast paths. (test/sdk/rare.test.ts proves that the
// `device` project also leaves the rare features out, as the browser builds do.)
import { expect, it } from 'vitest'

declare const __TAGWISE_FAST__: boolean | undefined

it('runs with the fast paths left out, as scripts/device-define.js builds the SDK', () => {
  expect(typeof __TAGWISE_FAST__ !== 'undefined' && __TAGWISE_FAST__).toBe(false)
  expect(typeof __TAGWISE_FAST__).toBe('boolean')
})
