import type { ProfileDO } from './profile-do.ts'

/** The Worker's bindings (`wrangler.toml`, `.dev.vars`, secrets). */
export interface Env {
  /** One SQLite-backed Durable Object per profile, named by the profile id. */
  PROFILES: DurableObjectNamespace<ProfileDO>
  /**
   * Sources: JSON `{ "<writeKey>": { "origins": ["https://shop.example", ...] } }`; `"*"` allows
   * any origin.
   */
  SOURCES: string
  /** Secret for the admin routes (`Authorization: Bearer …`); admin routes answer 503 without it. */
  ADMIN_KEY?: string
}

/** Hono's environment type for the collector's routers. */
export interface AppEnv {
  Bindings: Env
}
