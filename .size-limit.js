// Bundle budgets (`npm run size`), measured as the device builds ship: with the engine's fast
// paths left out (scripts/device-define.js). The 10 KB budget of the spec for the browser SDK is
// not met yet (see README, "Status"); the limits below hold today's sizes so a regression fails.
import { DEVICE_DEFINE } from './scripts/device-define.js'

const device = (config) => ({ ...config, define: { ...config.define, ...DEVICE_DEFINE } })

export default [
  {
    name: 'sdk (full, incl. engine, idb-keyval)',
    path: 'sdk/index.ts',
    import: '{ createTagwise }',
    ignore: ['web-vitals'],
    limit: '14.7 KB',
    gzip: true,
    modifyEsbuildConfig: device,
  },
  {
    name: 'tagwise.js (script tag entry)',
    path: 'sdk/global.ts',
    ignore: ['web-vitals'],
    limit: '15 KB',
    gzip: true,
    modifyEsbuildConfig: device,
  },
  {
    name: 'mini-program adapter (tagwise/miniprogram, incl. engine)',
    path: 'sdk/miniprogram.ts',
    import: '{ createTagwise }',
    limit: '13.9 KB',
    gzip: true,
    modifyEsbuildConfig: device,
  },
  {
    name: 'device engine (loadDeviceRules)',
    path: 'rules/index.ts',
    import: '{ loadDeviceRules }',
    limit: '8 KB',
    gzip: true,
    modifyEsbuildConfig: device,
  },
  {
    name: 'web-vitals chunk (lazy)',
    path: 'node_modules/web-vitals/dist/web-vitals.js',
    import: '{ onCLS, onINP, onLCP, onTTFB }',
    limit: '4 KB',
    gzip: true,
  },
]
