import type { ProfileDO } from './profile/profile-do.ts'
import type { RulesDO } from './rules/rules-do.ts'

/** The Worker's bindings (`wrangler.toml`, `.dev.vars`, secrets). */
export interface Env {
  /** One SQLite-backed Durable Object per profile, named by the profile id. */
  PROFILES: DurableObjectNamespace<ProfileDO>
  /** The published rules versions (one object, named `rules`). */
  RULES: DurableObjectNamespace<RulesDO>
  /**
   * Cross-profile queries (migrations/0001_init.sql): the tag index, the recent tag-change log and
   * the profile directory.
   */
  DB: D1Database
  /** The export queue: every committed tag change, from the profiles' outboxes (export/consumer.ts). */
  TAG_CHANGES: Queue<import('./export/message.ts').QueueMessage>
  /**
   * Where tag changes are delivered besides the D1 index: a JSON array of webhook and
   * Segment-compatible destinations (export/destinations.ts); `env:NAME` values read other vars/secrets.
   * @default none
   */
  DESTINATIONS?: string
  /** Static assets (dist/public): the SDK at /tagwise.js, the demo shop and the dashboard. */
  ASSETS?: Fetcher
  /** How often (ms) an isolate re-reads the active rules version. @default "5000" */
  RULES_REFRESH_MS?: string
  /**
   * Sources (auth/sources.ts): JSON `{ "<writeKey>": { "origins": ["https://shop.example"],
   * "identitySecret": "env:NAME" }, "<server writeKey>": { "server": true } }`; `"*"` allows any
   * origin. Unset in wrangler.toml (a deployment of the defaults exposes no key): the public API
   * answers `503` until it is set; the local demo's are in .dev.vars.example.
   */
  SOURCES?: string
  /**
   * Local dev only (.dev.vars.example): the writeKey whose identity secret `GET /dev/user-hash`
   * uses to play the site's backend for the demo shop. Unset, that route does not exist.
   */
  DEV_USER_HASH_SOURCE?: string
  /**
   * Requests per writeKey + client IP: the Workers Rate Limiting binding (wrangler.toml
   * `[[ratelimits]]`), counted by Cloudflare, cheaply, before a request's body is read.
   */
  CLIENT_REQUESTS: RateLimit
  /**
   * Replaced by `CLIENT_REQUESTS` (requests) and `RATE_LIMIT_CLIENT_EVENTS` (events): set, it is a
   * configuration error naming them.
   */
  RATE_LIMIT_CLIENT?: string
  /** Events per writeKey + client IP, `"<count>/<seconds>"`. @default "30000/60" */
  RATE_LIMIT_CLIENT_EVENTS?: string
  /**
   * New profiles per writeKey + client IP of a browser source, `"<count>/<seconds>"`.
   * @default "600/60"
   */
  RATE_LIMIT_CLIENT_PROFILES?: string
  /** Events per profile, `"<count>/<seconds>"`. @default "2000/60" */
  RATE_LIMIT_PROFILE?: string
  /** Profiles a rules backfill rebuilds per page (one alarm of the rules object). @default "50" */
  BACKFILL_PAGE_SIZE?: string
  /** Pause between two backfill pages, in ms, to spread a large backfill's load. @default "0" */
  BACKFILL_PAUSE_MS?: string
  /**
   * Profiles a rules preview evaluates within its request (`200`); with more in the directory it
   * answers `202` and runs a page per alarm of the rules object (`BACKFILL_PAGE_SIZE` profiles,
   * `BACKFILL_PAUSE_MS` apart). Around 200 profile calls take a second or two. @default "200"
   */
  PREVIEW_INLINE_PROFILES?: string
  /** Secret for the admin routes (`Authorization: Bearer …`); admin routes answer 503 without it. */
  ADMIN_KEY?: string
}

/** Hono's environment type for the collector's routers. */
export interface AppEnv {
  Bindings: Env
  Variables: {
    /** The request's source, once its writeKey is authorized (auth/source-auth.ts). */
    source?: import('./auth/sources.ts').Source
  }
}
