// Runs only in the vitest project `device` (vitest.config.ts): proves the project really compiles
// the engine as the device builds do, so its conformance and property runs cover the generic
// evaluators without the fast paths.
import { expect, it } from 'vitest'

declare const __TAGWISE_FAST__: boolean | undefined

it('runs with the fast paths left out, as scripts/device-define.js builds the SDK', () => {
  expect(typeof __TAGWISE_FAST__ !== 'undefined' && __TAGWISE_FAST__).toBe(false)
  expect(typeof __TAGWISE_FAST__).toBe('boolean')
})
