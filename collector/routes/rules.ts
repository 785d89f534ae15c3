import { Hono, type Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { checkRules, devicePlan, type Problem } from '../../rules/index.ts'
import { activeRules, rulesVersion, useRules, type ActiveRules } from '../rules/active-rules.ts'
import { adminAuth } from '../auth/admin-auth.ts'
import type { AppEnv } from '../env.ts'
import { fail } from '../http-error.ts'
import { MAX_RULES_BYTES } from '../limits.ts'
import { readBody } from '../read-body.ts'
import { parseJson } from '../parse-json.ts'
import { isRecord } from '../values.ts'
import { rulesStub } from '../rules/stub.ts'
import { KEPT_PUBLICATIONS } from '../rules/rules-do.ts'
import { limitClient } from '../auth/rate-limits.ts'
import { authorizeSource, basicWriteKey } from '../auth/source-auth.ts'

/**
 * The format of the device plan, in its ETag: a new format makes devices fetch the plan again for
 * a version they have cached. 2: with `rare` (a device whose plan lacks it loads the rare
 * features whether the document needs them or not).
 */
const PLAN_FORMAT = 2

/** Profiles a preview evaluates within its request; a larger directory is paged (`202`). */
const DEFAULT_PREVIEW_INLINE_PROFILES = 200

/** The device form of each active document, computed once per version and isolate. */
const deviceTexts = new WeakMap<ActiveRules, string>()
const deviceText = (active: ActiveRules): string => {
  let text = deviceTexts.get(active)
  if (text === undefined) {
    text = JSON.stringify({ ...active.document, device: devicePlan(active.document) })
    deviceTexts.set(active, text)
  }
  return text
}

/**
 * `GET /v1/rules` (writeKey) → the active rules document with a strong `ETag` (its version);
 * `If-None-Match` with that tag → `304`, so the SDK revalidates without downloading it again.
 * `?device=1` (what the SDK asks for) adds a `device` member, the document's device plan (the
 * analysis and time units the device engine runs on, see `devicePlan`), so devices need not carry
 * the code that computes it; its `ETag` is the version with `-device` and the plan's format
 * ({@link PLAN_FORMAT}).
 *
 * Admin (adminKey): `PUT /v1/rules` publishes a new version (validated; `If-Match` guards against
 * overwriting a version the caller has not seen; `?backfill=1` then rebuilds every known profile
 * from its stored events in the background), `GET /v1/rules/versions` lists them and
 * `GET /v1/rules/backfill` shows the latest backfill's progress; `POST /v1/rules/preview` shows
 * what a draft would change before it is published (`preview` below).
 */
export const rules = new Hono<AppEnv>()
  .get('/rules', async (c) => {
    await limitClient(c, authorizeSource(c, basicWriteKey(c.req.header('authorization'))))
    const active = await activeRules(c.env)
    const device = c.req.query('device') === '1'
    const version = device ? `${active.version}-device${PLAN_FORMAT}` : active.version
    const headers = { ETag: `"${version}"`, 'Cache-Control': 'no-cache' }
    // `If-None-Match` compares weakly (RFC 9110 13.1.2): `W/` prefixes are ignored.
    const tags = entityTags(c.req.header('if-none-match')) ?? []
    const strong = tags.map((tag) => (tag.startsWith('W/') ? tag.slice(2) : tag))
    if (strong.some((tag) => tag === '*' || tag === version)) return c.body(null, 304, headers)
    const text = device ? deviceText(active) : active.text
    return c.body(text, 200, { ...headers, 'Content-Type': 'application/json' })
  })
  .put('/rules', adminAuth(), async (c) => publish(c))
  .get('/rules/versions', adminAuth(), async (c) => {
    const [active, versions] = await Promise.all([activeRules(c.env), rulesStub(c.env).versions()])
    return c.json({ active: active.version, versions })
  })
  .get('/rules/versions/:version', adminAuth(), async (c) => {
    const version = c.req.param('version')
    const text = await publishedText(c, version)
    return c.body(text, 200, { 'Content-Type': 'application/json', ETag: `"${version}"` })
  })
  .post('/rules/rollback', adminAuth(), async (c) => rollback(c))
  .post('/rules/preview', adminAuth(), async (c) => preview(c))
  .get('/rules/preview/:id', adminAuth(), async (c) => {
    const status = await rulesStub(c.env).previewStatus(c.req.param('id'))
    if (!status)
      throw fail(404, 'no such preview (the 20 latest are kept): POST /v1/rules/preview starts one')
    return c.json(status, 200, status.state === 'running' ? { 'Retry-After': '1' } : {})
  })
  .get('/rules/backfill', adminAuth(), async (c) => {
    const status = await rulesStub(c.env).backfillStatus()
    if (!status) throw fail(404, 'no backfill has run: PUT /v1/rules?backfill=1 starts one')
    return c.json(status)
  })

async function publish(c: Context<AppEnv>): Promise<Response> {
  const backfill = c.req.query('backfill')
  if (backfill !== undefined && backfill !== '0' && backfill !== '1')
    throw fail(
      400,
      `"backfill" must be 1 (rebuild every profile) or 0 (got ${JSON.stringify(backfill)})`,
    )
  const { compact, version, warnings } = await readDocument(c)
  // `If-Match` compares strongly (RFC 9110 13.1.1): a weak tag never matches.
  const ifMatch = entityTags(c.req.header('if-match'))?.filter((tag) => !tag.startsWith('W/'))
  const result = await rulesStub(c.env).publish(version, compact, ifMatch, backfill === '1')
  if (result.status === 'stale')
    throw fail(
      412,
      `If-Match does not name the active version "${result.current}": GET /v1/rules, apply your change to it and send it with If-Match: "${result.current}"`,
      { ETag: `"${result.current}"` },
    )
  await useRules(compact)
  return c.json({ success: true, ...result, warnings }, 200, {
    ETag: `"${version}"`,
  })
}

/**
 * The text of a kept publication (`404` for a version never published, or whose publications
 * were all dropped, `KEPT_PUBLICATIONS`: a preview's draft is not one), as
 * `GET /v1/rules/versions` lists them.
 */
async function publishedText(c: Context<AppEnv>, version: string): Promise<string> {
  const stub = rulesStub(c.env)
  const known = (await stub.versions()).some((v) => v.version === version)
  const text = known ? await stub.text(version) : null
  if (text === null)
    throw fail(
      404,
      `no published rules version ${JSON.stringify(version)} (the latest ${KEPT_PUBLICATIONS} publications are kept): GET /v1/rules/versions lists them`,
    )
  return text
}

/**
 * `POST /v1/rules/rollback` `{"version": "…"}` (adminKey; `?backfill=1` and `If-Match` as for
 * `PUT /v1/rules`): publishes an earlier version's document again, as one click in the dashboard.
 * Its version is its content's hash, so the rolled-back rules have the version they had; profiles
 * pick them up on their next event, or at once with a backfill.
 */
async function rollback(c: Context<AppEnv>): Promise<Response> {
  const backfill = c.req.query('backfill')
  if (backfill !== undefined && backfill !== '0' && backfill !== '1')
    throw fail(
      400,
      `"backfill" must be 1 (rebuild every profile) or 0 (got ${JSON.stringify(backfill)})`,
    )
  const body = parseJson(await readBody(c.req.raw, 4096, 'a rollback names one version'), 4)
  const version = isRecord(body) ? body.version : undefined
  if (typeof version !== 'string' || version === '')
    throw fail(400, 'body must be {"version": "<a version of GET /v1/rules/versions>"}')
  const text = await publishedText(c, version)
  const ifMatch = entityTags(c.req.header('if-match'))?.filter((tag) => !tag.startsWith('W/'))
  const result = await rulesStub(c.env).publish(version, text, ifMatch, backfill === '1')
  if (result.status === 'stale')
    throw fail(
      412,
      `If-Match does not name the active version "${result.current}": GET /v1/rules and roll back from it`,
      { ETag: `"${result.current}"` },
    )
  await useRules(text)
  return c.json({ success: true, ...result }, 200, { ETag: `"${version}"` })
}

/**
 * The request's rules document, validated as `PUT /v1/rules` validates it (`400` with every
 * problem), in its compact form (stored so, the version names the document, not its whitespace)
 * with its version and warnings.
 */
async function readDocument(
  c: Context<AppEnv>,
): Promise<{ compact: string; version: string; warnings: Problem[] }> {
  const text = await readBody(
    c.req.raw,
    MAX_RULES_BYTES,
    'the rules engine takes documents up to 1 MB',
  )
  const check = checkRules(text)
  if (!check.ok)
    throw new HTTPException(400, {
      res: Response.json(
        {
          success: false,
          error: `the rules document has ${check.problems.length} problem(s): fix each one at its path and send it again`,
          problems: check.problems,
        },
        { status: 400 },
      ),
    })
  const compact = JSON.stringify(JSON.parse(text))
  return { compact, version: await rulesVersion(compact), warnings: check.warnings }
}

/**
 * `POST /v1/rules/preview`: what publishing the draft with `?backfill=1` would do to each tag,
 * publishing nothing. `200` with the result when the directory holds at most
 * `PREVIEW_INLINE_PROFILES` profiles (evaluated within the request), else `202` with the
 * running preview (its `id`, `processed`/`total`) to follow at `GET /v1/rules/preview/:id`.
 */
async function preview(c: Context<AppEnv>): Promise<Response> {
  const { compact, version, warnings } = await readDocument(c)
  const inline = Number(c.env.PREVIEW_INLINE_PROFILES ?? DEFAULT_PREVIEW_INLINE_PROFILES)
  const status = await rulesStub(c.env).preview(version, compact, inline)
  const location = `/v1/rules/preview/${status.id}`
  return status.state === 'running'
    ? c.json({ ...status, warnings }, 202, { Location: location })
    : c.json({ ...status, warnings }, 200, { Location: location })
}

/** The entity tags of an `If-Match`/`If-None-Match` header, unquoted (`W/` kept), or `undefined`. */
function entityTags(header: string | undefined): string[] | undefined {
  if (header === undefined) return undefined
  return header
    .split(',')
    .map((tag) => tag.trim())
    .map((tag) => {
      const weak = tag.startsWith('W/')
      const bare = weak ? tag.slice(2) : tag
      const unquoted =
        bare.length >= 2 && bare.startsWith('"') && bare.endsWith('"') ? bare.slice(1, -1) : bare
      return weak ? `W/${unquoted}` : unquoted
    })
}
