// `env` from `cloudflare:workers` has the collector's bindings in the tests.
type CollectorEnv = import('../../collector/env.ts').Env

declare namespace Cloudflare {
  interface Env extends CollectorEnv {}
}
