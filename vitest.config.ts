import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers'
import { defineConfig } from 'vitest/config'
import { devVars } from './test/support/dev-vars.ts'

/** The local dev config (.dev.vars.example): the demo's sources and identity secret. */
const DEV = devVars()
const SECRET = 'env:DEV_IDENTITY_SECRET'

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: [
            'test/bench/**',
            'test/collector/**',
            'test/e2e/**',
            'test/sdk/**',
            'test/rules/device.test.ts',
            'node_modules/**',
          ],
        },
      },
      {
        // The SDK's tests (happy-dom + fake-indexeddb) and the device engine's parity tests.
        test: {
          name: 'device',
          include: ['test/sdk/**/*.test.ts', 'test/rules/device.test.ts'],
        },
      },
      {
        // Real Chromium (Debian's, via playwright-core) against the collector under wrangler dev,
        // started once for the project by the global setup.
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['./test/e2e/global-setup.ts'],
          // One browser at a time: they share the collector and two cores.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        // The collector runs in workerd (the Workers runtime) with its real bindings from
        // wrangler.toml and the local dev config's sources (.dev.vars.example, as `npm start` and
        // the demo). The adminKey, a gitignored secret locally, is given here, a second browser
        // source that allows one origin only, for the CORS tests, sources with small rate limits,
        // and a browser source without an identity secret (a configuration error).
        plugins: [
          cloudflareTest(async () => ({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              // Requests per writeKey + address, small enough for a test to reach (the test
              // helpers send each request from an address of its own).
              ratelimits: { CLIENT_REQUESTS: { simple: { limit: 50, period: 60 } } },
              bindings: {
                ADMIN_KEY: 'test-admin-key',
                // Backfill pages run only when a test runs the rules object's alarm, a few
                // profiles at a time, so the tests can stop and resume a run between pages.
                BACKFILL_PAUSE_MS: '3600000',
                BACKFILL_PAGE_SIZE: '4',
                // Previews of more profiles than this are paged (202), so a test can reach it.
                PREVIEW_INLINE_PROFILES: '10',
                // Payloads of the fault suite's fuzz test (test/collector/faults.test.ts): 10,000
                // by default, FAULT_FUZZ_RUNS=<n> for another number.
                FAULT_FUZZ_RUNS: process.env.FAULT_FUZZ_RUNS ?? '',
                // Applied to the test D1 database by test/collector/setup.ts.
                TEST_MIGRATIONS: await readD1Migrations('./migrations'),
                DEV_IDENTITY_SECRET: DEV.DEV_IDENTITY_SECRET!,
                DEV_USER_HASH_SOURCE: DEV.DEV_USER_HASH_SOURCE!,
                SOURCES: JSON.stringify({
                  ...(JSON.parse(DEV.SOURCES!) as object),
                  'shop-write-key': { origins: ['https://shop.example'], identitySecret: SECRET },
                  // Small limits for the rate limit tests.
                  'limited-write-key': {
                    origins: ['*'],
                    identitySecret: SECRET,
                    rateLimits: { clientEvents: '10/60' },
                  },
                  'few-profiles-key': {
                    origins: ['*'],
                    identitySecret: SECRET,
                    rateLimits: { clientProfiles: '3/60' },
                  },
                  'busy-profile-key': {
                    origins: ['*'],
                    identitySecret: SECRET,
                    rateLimits: { profile: '5/60' },
                  },
                  'no-secret-write-key': { origins: ['*'] },
                }),
              },
            },
          })),
        ],
        test: {
          name: 'collector',
          include: ['test/collector/**/*.test.ts'],
          // Real requests through workerd: on a busy 2-core machine a test of a few hundred of them
          // passed 5 s (parity, audiences). A timeout only catches a hang; nothing here is timed.
          testTimeout: 30_000,
          setupFiles: ['./test/collector/setup.ts'],
        },
      },
    ],
  },
})
