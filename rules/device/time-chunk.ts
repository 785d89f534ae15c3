// The entry of the chunk browsers load for rules whose device plan has time-dependent `units`
// ("more than 10 s on the checkout page"): the search for when they flip, which the device's
// features then carry (`{ ...DEVICE_FEATURES, unitFlips }`).
export { unitFlips } from '../state/unit-flips.ts'
