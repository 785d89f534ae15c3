// `env` from `cloudflare:workers` has the collector's bindings in the tests.
type CollectorEnv = import('../../collector/env.ts').Env

declare namespace Cloudflare {
  interface Env extends CollectorEnv {
    /** migrations/, read by vitest.config.ts and applied by setup.ts. */
    TEST_MIGRATIONS: import('cloudflare:test').D1Migration[]
    /** How many payloads the fault suite's fuzz test sends (vitest.config.ts); '' = its default. */
    FAULT_FUZZ_RUNS: string
  }
}
