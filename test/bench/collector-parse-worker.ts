// The benchmark's Worker entry (`wrangler dev test/bench/collector-parse-worker.ts`, with
// wrangler.toml's bindings): the collector as deployed, plus two bench-only routes:
// `POST /bench/parse` runs exactly what `POST /v1/batch` runs before storage (`readBatch`: body
// limit, depth-checked parse, writeKey, client rate, every event prepared and validated) and
// answers as ingest would, without the Durable Objects; `POST /bench/read` only reads the body as
// ingest does (`readBody`) and answers the same, so that what carrying a batch's body costs the
// server is told apart from what the Worker's code does with it. Never part of the deployed Worker.
import { Hono } from 'hono'
import { app } from '../../collector/app.ts'
import type { AppEnv, Env } from '../../collector/env.ts'
import { onError } from '../../collector/http-error.ts'
import { readBatch } from '../../collector/ingest/read-batch.ts'
import { MAX_BODY_BYTES } from '../../collector/limits.ts'
import { readBody } from '../../collector/read-body.ts'

export { ProfileDO, RulesDO } from '../../collector/index.ts'

const bench = new Hono<AppEnv>()
  .onError(onError)
  .post('/bench/parse', async (c) => {
    const { good, rejected } = await readBatch(c)
    return c.json({ success: true, accepted: good.length, duplicates: 0, rejected })
  })
  .post('/bench/read', async (c) => {
    const text = await readBody(c.req.raw, MAX_BODY_BYTES)
    // Answered as /bench/parse answers a good batch (the same response size).
    return c.json({ success: true, accepted: text === '' ? 0 : 20, duplicates: 0, rejected: [] })
  })
  .all('*', (c) => app.fetch(c.req.raw, c.env, c.executionCtx))

export default { fetch: bench.fetch } satisfies ExportedHandler<Env>
