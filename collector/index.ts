// The Worker entry (wrangler.toml `main`): the HTTP API, the export queue's consumer and the
// Durable Object classes it binds.
import { app } from './app.ts'
import type { Env } from './env.ts'
import type { QueueMessage } from './export/message.ts'
import { consumeExport } from './export/consumer.ts'
import { snapshotCoverage } from './audience/coverage-history.ts'
import { activeRules } from './rules/active-rules.ts'

export { ProfileDO } from './profile/profile-do.ts'
export { RulesDO } from './rules/rules-do.ts'
export type { Env } from './env.ts'
export type { IngestOutcome, ProfileView } from './profile/profile-do.ts'
export type { PublishResult, RulesVersion } from './rules/rules-do.ts'
export type { IngestResponse, RejectedEvent } from './ingest/ingest-response.ts'
export type { ChangesResponse } from './routes/changes.ts'
export type { ExportedChange, ExportMessage, QueueMessage } from './export/message.ts'
export type { AudienceResponse } from './routes/audiences.ts'
export type {
  CatalogHistoriesResponse,
  CatalogHistoryResponse,
  CatalogMetric,
  CatalogResponse,
  CatalogTag,
  TagHealth,
} from './routes/catalog.ts'
export type { CoverageDay } from './audience/coverage-history.ts'

// workerd reads a module Worker's handlers from its default export: the one default in the code.
export default {
  fetch: app.fetch,
  queue: consumeExport,
  // The daily Cron Trigger (wrangler.toml [triggers]): every tag's coverage of the day.
  scheduled: async (controller, env) => {
    await snapshotCoverage(env.DB, await activeRules(env), controller.scheduledTime)
  },
} satisfies ExportedHandler<Env, QueueMessage>
