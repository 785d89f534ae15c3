// The benchmark's Worker entry (`wrangler dev test/bench/collector-parse-worker.ts`, with
// wrangler.toml's bindings): the collector as deployed, plus one bench-only route,
// `POST /bench/parse`, that runs exactly what `POST /v1/batch` runs before storage (`readBatch`:
// body limit, depth-checked parse, writeKey, client rate, every event prepared and validated) and
// answers as ingest would, without the Durable Objects. Never part of the deployed Worker.
import { Hono } from 'hono'
import { app } from '../../collector/app.ts'
import type { AppEnv, Env } from '../../collector/env.ts'
import { onError } from '../../collector/http-error.ts'
import { readBatch } from '../../collector/ingest/read-batch.ts'

export { ProfileDO, RulesDO } from '../../collector/index.ts'

const bench = new Hono<AppEnv>()
  .onError(onError)
  .post('/bench/parse', async (c) => {
    const { good, rejected } = await readBatch(c)
    return c.json({ success: true, accepted: good.length, duplicates: 0, rejected })
  })
  .all('*', (c) => app.fetch(c.req.raw, c.env, c.executionCtx))

export default { fetch: bench.fetch } satisfies ExportedHandler<Env>
