// esbuild `define` for the device builds (browser SDK, mini-program adapter): the rules engine's
// speed-only fast paths are left out (rules/logic.ts, `__TAGWISE_FAST__`) — about 1.3 KB min+gzip
// for the same results; a device evaluates a few tags per event, where they save nanoseconds.
// size-limit (.size-limit.js) measures with the same setting.
export const DEVICE_DEFINE = { __TAGWISE_FAST__: 'false' }
