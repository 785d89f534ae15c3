// esbuild `define` for the device builds (browser SDK, mini-program adapter): the rules engine's
// speed-only fast paths are left out (rules/logic.ts, `__TAGWISE_FAST__`) — about 1.3 KB min+gzip
// for the same results; a device evaluates a few tags per event, where they save nanoseconds.
// And the rare features (rules/rare.ts: JsonLogic operations, aggregations and tag kinds device
// tags seldom use) are left out of the core, `__TAGWISE_RARE__`: the builds load them as a chunk
// of their own, only for a document that needs them.
// size-limit (.size-limit.js) measures with the same settings.
export const DEVICE_DEFINE = { __TAGWISE_FAST__: 'false', __TAGWISE_RARE__: 'false' }
