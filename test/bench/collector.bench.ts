// The collector under load, over real HTTP on 127.0.0.1 (`wrangler dev`: workerd + miniflare, local
// SQLite Durable Objects and D1), against baselines served by the same server in the same run:
//
// - baseline: `GET /v1/health` (routing and HTTP only);
// - read: `POST /bench/read` with a 20-event batch, the body read and nothing done with it: what
//   carrying the body costs the server (locally through wrangler dev's proxy and entry Workers),
//   which no change to the Worker's code can cut;
// - parse: `POST /bench/parse` with a 20-event batch: everything `POST /v1/batch` does before
//   storage (body, JSON, writeKey, client rate, each event prepared and validated), no Durable
//   Object (a bench-only Worker entry, test/bench/collector-parse-worker.ts);
// - full: `POST /v1/batch` with a 20-event batch of one profile (the browser case), rotating over
//   many profiles: parse, then one Durable Object call and one storage transaction per batch,
//   engine ingest + evaluation, answered after the commit. Each measured round of it follows a
//   pass over every one of its profiles, so that it measures running objects (see below);
// - restarted: the same, each batch to a profile whose object has been idle for more than 10 s,
//   which the runtime (locally and on Cloudflare) has evicted: the object starts again, opens its
//   storage and restores its engine state from the checkpoint and the events after it.
//
// Why running and restarted apart: an idle object is evicted after 10 s, and this bench comes back
// to each of its 2,000 profiles only every 6–12 s when the scenarios rotate (2 s each, in turn), so
// a round mixed running and restarted objects in shares set by the bench's own timing (one run's
// rounds gave 0.27, 0.47, 0.43 and 0.25×, and a profile of the isolate found 81 % of the batches
// restarting); each share is measured on its own instead.
//
// Method: a bounded loop of CONCURRENCY requests in flight on keep-alive connections (node:http),
// each scenario warmed up, then measured for a fixed time in rounds of rotating order; rates are
// requests (and events) per second, latencies p50/p99 of the measured requests, and each ratio is
// the median of its per-round ratios. The first batches of never-seen profiles (object creation,
// directory listing) are measured on their own. The rate limits are raised
// through vars for this run only. Client and server share the machine's cores, so absolute figures
// depend on the machine; the ratios are the point. No assertions: it prints, `npm run bench` runs it.
import { existsSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { startWranglerDev } from '../support/wrangler-dev.ts'
import { fmt, median, table, verdict } from './harness.ts'
import { groupCpuMs } from './process-cpu.ts'

const CONCURRENCY = 16
const WARMUP_MS = 1500
const MEASURE_MS = 2000
const ROUNDS = 4
const NEW_PROFILES_MS = 2000
/** How long an object must be idle for the runtime to evict it, with a margin. */
const EVICTED_AFTER_MS = 12_000
const EVENTS_PER_BATCH = 20
/** Profiles the full-ingest scenario spreads its batches over (each created before measuring). */
const PROFILES = 2000
/** Profiles created at the start and left idle for the restarted scenario (one batch each). */
const IDLE_PROFILES = 1000
const AUTH = `Basic ${Buffer.from('demo-write-key:').toString('base64')}`
const HIGH_RATE = '100000000/60'

interface Sample {
  requests: number
  errors: number
  latencies: number[]
  elapsedMs: number
  /** CPU time wrangler and workerd used meanwhile (the server's; the client's is not counted). */
  serverCpuMs: number
}

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY })

let sent = 0
/**
 * Each request from an address of its own (`CF-Connecting-IP`, which wrangler dev passes through),
 * as the visitors the bench plays would come: the per-address limits (the CLIENT_REQUESTS binding,
 * fixed in wrangler.toml) are not what is measured.
 */
const visitorAddress = () => `10.${(sent >> 16) & 255}.${(sent >> 8) & 255}.${sent++ & 255}`

function send(url: URL, method: string, body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        agent,
        headers: body
          ? {
              'content-type': 'application/json',
              authorization: AUTH,
              'cf-connecting-ip': visitorAddress(),
            }
          : { authorization: AUTH, 'cf-connecting-ip': visitorAddress() },
      },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

/** Runs `next()` requests with CONCURRENCY in flight for `durationMs`, or `count` requests. */
async function load(
  durationMs: number,
  next: () => { url: URL; method: string; body?: string },
  count = Infinity,
): Promise<Sample> {
  const sample: Sample = { requests: 0, errors: 0, latencies: [], elapsedMs: 0, serverCpuMs: 0 }
  const cpuBefore = groupCpuMs(dev.processGroup)
  const start = performance.now()
  const end = start + durationMs
  let started = 0
  const worker = async () => {
    while (performance.now() < end && started++ < count) {
      const { url, method, body } = next()
      const t0 = performance.now()
      const status = await send(url, method, body).catch(() => 0)
      sample.latencies.push(performance.now() - t0)
      sample.requests++
      if (status !== 200) sample.errors++
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  sample.elapsedMs = performance.now() - start
  sample.serverCpuMs = groupCpuMs(dev.processGroup) - cpuBefore
  return sample
}

let sequence = 0
/** A 20-event batch of one visitor as the browser SDK sends it (pages and tracks, context). */
function batch(profile: string): string {
  const now = Date.now()
  const events = Array.from({ length: EVENTS_PER_BATCH }, (_, i) => {
    const page = i % 4 === 0
    return {
      type: page ? 'page' : 'track',
      ...(page ? {} : { event: i % 3 ? 'Product Viewed' : 'Coupon Claimed' }),
      anonymousId: profile,
      messageId: `bench-${process.pid}-${sequence++}`,
      timestamp: new Date(now - (EVENTS_PER_BATCH - i) * 1000).toISOString(),
      properties: page
        ? { path: '/checkout/cart', title: 'Cart' }
        : { category: 'luggage', product_id: `p${i}`, price: 49.5, coupon_id: 'BAGS20' },
      context: {
        page: { path: '/checkout/cart', url: 'https://shop.example/checkout/cart' },
        userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36',
        locale: 'en-US',
      },
    }
  })
  return JSON.stringify({ batch: events, sentAt: new Date(now).toISOString() })
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN
}

// Local SQLite fsyncs each commit to the state directory's disk, a cost that is the machine's, not
// the collector's (production storage is Cloudflare's): the state lives on tmpfs when there is one.
const stateDir = existsSync('/dev/shm') ? '/dev/shm' : undefined
const dev = await startWranglerDev({
  script: 'test/bench/collector-parse-worker.ts',
  vars: { RATE_LIMIT_CLIENT_EVENTS: HIGH_RATE, RATE_LIMIT_PROFILE: HIGH_RATE, ADMIN_KEY: 'bench' },
  stateDir,
})
try {
  const health = new URL('/v1/health', dev.url)
  const parse = new URL('/bench/parse', dev.url)
  const read = new URL('/bench/read', dev.url)
  const ingest = new URL('/v1/batch', dev.url)
  let profile = 0
  let fresh = 0
  const scenarios: Record<string, () => { url: URL; method: string; body?: string }> = {
    baseline: () => ({ url: health, method: 'GET' }),
    read: () => ({ url: read, method: 'POST', body: batch(`bench-p-${profile++ % PROFILES}`) }),
    parse: () => ({ url: parse, method: 'POST', body: batch(`bench-p-${profile++ % PROFILES}`) }),
    full: () => ({ url: ingest, method: 'POST', body: batch(`bench-${profile++ % PROFILES}`) }),
  }
  const names = Object.keys(scenarios)
  /** One batch to each of `profiles`, CONCURRENCY in flight (not measured). */
  const pass = async (profiles: string[]) => {
    let next = 0
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < profiles.length) await send(ingest, 'POST', batch(profiles[next++]!))
      }),
    )
  }
  const profileNames = (prefix: string, count: number) =>
    Array.from({ length: count }, (_, i) => `${prefix}${i}`)
  // Every profile of the full and restarted scenarios exists (and lists itself) before anything
  // is measured.
  const idle = profileNames('bench-idle-', IDLE_PROFILES)
  await pass(idle)
  await pass(profileNames('bench-', PROFILES))
  for (const name of names) await load(WARMUP_MS, scenarios[name]!)
  // Rounds in rotating order, so each ratio compares runs moments apart on a shared machine.
  const rounds: Map<string, Sample>[] = []
  for (let round = 0; round < ROUNDS; round++) {
    const results = new Map<string, Sample>()
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + round) % names.length]!
      // Every object of the full scenario running (touched within the last few seconds).
      if (name === 'full') await pass(profileNames('bench-', PROFILES))
      results.set(name, await load(MEASURE_MS, scenarios[name]!))
    }
    rounds.push(results)
  }
  // Objects idle long enough to be evicted: each batch restarts one. The running ones are let go
  // first: the local runtime keeps every open object's SQLite in one process, and 2,000 running
  // objects beside the restarted ones ran it out of memory (SQLITE_NOMEM, local only: each object
  // has its own memory on Cloudflare).
  await new Promise((resolve) => setTimeout(resolve, EVICTED_AFTER_MS))
  let restarted = 0
  const restartedSample = await load(
    Infinity,
    () => ({ url: ingest, method: 'POST', body: batch(idle[restarted++]!) }),
    IDLE_PROFILES,
  )
  const lastBaseline = await load(MEASURE_MS, scenarios.baseline!)
  // The first batch of a profile creates its Durable Object and lists it in the D1 directory.
  const newProfiles = await load(NEW_PROFILES_MS, () => ({
    url: ingest,
    method: 'POST',
    body: batch(`bench-new-${fresh++}`),
  }))

  const rate = (s: Sample) => (s.requests - s.errors) / (s.elapsedMs / 1000)
  const merged = (name: string): Sample => {
    const all = rounds.map((r) => r.get(name)!)
    return {
      requests: all.reduce((n, s) => n + s.requests, 0),
      errors: all.reduce((n, s) => n + s.errors, 0),
      latencies: all.flatMap((s) => s.latencies),
      elapsedMs: all.reduce((n, s) => n + s.elapsedMs, 0),
      serverCpuMs: all.reduce((n, s) => n + s.serverCpuMs, 0),
    }
  }
  const rows = [['scenario', 'requests/s', 'events/s', 'p50 ms', 'p99 ms', 'errors']]
  const row = (name: string, s: Sample, events: number) =>
    rows.push([
      name,
      fmt(rate(s)),
      events ? fmt(rate(s) * events) : '–',
      fmt(percentile(s.latencies, 50)),
      fmt(percentile(s.latencies, 99)),
      String(s.errors),
    ])
  row('baseline: GET /v1/health', merged('baseline'), 0)
  row('body read only, no parse', merged('read'), EVENTS_PER_BATCH)
  row('parse + validate, no storage', merged('parse'), EVENTS_PER_BATCH)
  row(`full ingest, ${PROFILES} profiles, running objects`, merged('full'), EVENTS_PER_BATCH)
  row('full ingest, restarted objects (idle > 10 s)', restartedSample, EVENTS_PER_BATCH)
  row('full ingest, new profiles', newProfiles, EVENTS_PER_BATCH)
  console.log(
    `wrangler dev on 127.0.0.1 (state on ${stateDir ?? 'disk'}), ${CONCURRENCY} requests in flight, ${ROUNDS} rounds of ${MEASURE_MS / 1000} s per scenario after ${WARMUP_MS / 1000} s of warm-up each; ${EVENTS_PER_BATCH} events per batch, each batch one profile\n`,
  )
  console.log(table(rows))
  const ratios = (a: string, b: string) => rounds.map((r) => rate(r.get(a)!) / rate(r.get(b)!))
  const each = (values: number[]) => values.map((v) => fmt(v, 2)).join(', ')
  console.log(`\nmedian of per-round ratios (${ROUNDS} rounds):`)
  const baselineRatios = ratios('full', 'baseline')
  const parseRatios = ratios('full', 'parse')
  console.log(
    `full / baseline (requests/s): ${verdict(median(baselineRatios), 0.5, 'at least')}  (rounds: ${each(baselineRatios)})`,
  )
  console.log(
    `full / parse (requests/s):    ${verdict(median(parseRatios), 0.5, 'at least')}  (rounds: ${each(parseRatios)})`,
  )
  // The request rates depend on the machine's load, which slows the cheap no-op route most (this
  // machine measured full / baseline 0.31× quiet and 0.47–0.53× at load 4–6, same code). What each
  // request cost the server in CPU varies less (0.43× quiet, 0.38× beside three busy loops, where
  // the rates gave 0.34× and 0.40×): printed beside the rates, not instead of them.
  const cpuPerRequest = (s: Sample) => s.serverCpuMs / Math.max(1, s.requests - s.errors)
  const cpuRatios = rounds.map(
    (r) => cpuPerRequest(r.get('baseline')!) / cpuPerRequest(r.get('full')!),
  )
  console.log(
    `full / baseline (server CPU per request):   ${fmt(median(cpuRatios))}×  (rounds: ${each(cpuRatios)}; ${fmt(cpuPerRequest(merged('baseline')))} vs ${fmt(cpuPerRequest(merged('full')))} ms of wrangler + workerd CPU per request, ${fmt(cpuPerRequest(merged('parse')))} parse-only)`,
  )
  // Where a batch's server CPU goes, step by step (medians of the per-round differences): the
  // body carried to the Worker, the Worker's code before storage, the object call and its work.
  // Scenarios of a round run seconds apart, so each step is known to about ±0.1 ms: the Worker's
  // code (~0.1 ms; readBatch alone is ~70 µs of CPU per batch in node) is within that spread,
  // the body carried (0.3–0.5 ms, the same when the Worker never reads the body) is not.
  const step = (from: string, to: string) =>
    fmt(median(rounds.map((r) => cpuPerRequest(r.get(to)!) - cpuPerRequest(r.get(from)!))))
  console.log(
    `server CPU per request, step by step (ms): body carried ${step('baseline', 'read')}, Worker's code before storage (parse + validate) ${step('read', 'parse')}, object call, storage and engine ${step('parse', 'full')}`,
  )
  console.log(
    `restarted objects / baseline right after (requests/s): ${fmt(rate(restartedSample) / rate(lastBaseline), 2)}×; server CPU per request ${fmt(cpuPerRequest(restartedSample))} vs ${fmt(cpuPerRequest(lastBaseline))} ms (${fmt(cpuPerRequest(lastBaseline) / cpuPerRequest(restartedSample), 2)}×)`,
  )
  console.log(
    'storage transactions per batch per profile: 1 (counted by test/collector/profile-do.test.ts)',
  )
} finally {
  agent.destroy()
  await dev.stop()
}
