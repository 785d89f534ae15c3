import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers'
import { defineConfig } from 'vitest/config'

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
        // wrangler.toml. The adminKey, a gitignored secret locally, is given here, a second
        // source that allows one origin only, for the CORS tests, and sources with small rate
        // limits.
        plugins: [
          cloudflareTest(async () => ({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: {
                ADMIN_KEY: 'test-admin-key',
                // Backfill pages run only when a test runs the rules object's alarm, a few
                // profiles at a time, so the tests can stop and resume a run between pages.
                BACKFILL_PAUSE_MS: '3600000',
                BACKFILL_PAGE_SIZE: '4',
                // Applied to the test D1 database by test/collector/setup.ts.
                TEST_MIGRATIONS: await readD1Migrations('./migrations'),
                SOURCES: JSON.stringify({
                  'demo-write-key': { origins: ['*'] },
                  'shop-write-key': { origins: ['https://shop.example'] },
                  // Small limits for the rate limit tests.
                  'limited-write-key': { origins: ['*'], rateLimits: { client: '3/60' } },
                  'busy-profile-key': { origins: ['*'], rateLimits: { profile: '5/60' } },
                }),
              },
            },
          })),
        ],
        test: {
          name: 'collector',
          include: ['test/collector/**/*.test.ts'],
          setupFiles: ['./test/collector/setup.ts'],
        },
      },
    ],
  },
})
