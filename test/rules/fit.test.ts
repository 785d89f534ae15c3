// `tagwise fit` end to end (the real CLI): recovery of a known model through events and the engine,
// the propensity path on generated events, the published tag evaluating as the fit computed it,
// and bad input.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { Writable } from 'node:stream'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compileRules } from '../../rules/index.ts'
import { learnScore } from '../../cli/fit/learn-score.ts'
import { profileTable } from '../../cli/fit/profile-table.ts'
import { Output } from '../../cli/output.ts'
import { profilesAt } from '../../cli/profiles-at.ts'
import { generateEvents, mulberry32, toNdjson } from '../support/events.ts'

const root = fileURLToPath(new URL('../..', import.meta.url))
const bin = join(root, 'bin/tagwise.js')
let dir = ''

beforeAll(() => {
  // The CLI only: the whole build would rewrite dist/public under the browser tests.
  execFileSync(process.execPath, ['scripts/build-cli.js'], { cwd: root })
  dir = mkdtempSync(join(tmpdir(), 'tagwise-fit-test-'))
}, 60_000)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function tagwise(args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8' })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}
function file(name: string, content: unknown): string {
  writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content))
  return name
}
const figure = (stderr: string, name: string) =>
  Number(new RegExp(`${name} (-?[\\d.]+)`).exec(stderr)?.[1])

const CATALOG = join(root, 'examples/rules/catalog.json')

// ---------------------------------------------------------------------------------------------
// A known model: each of 3,000 customers views products and claims coupons a number of times;
// a CRM import (an identify trait) says whether they are a business customer, drawn from
// p = σ(-2 + 0.3·views − 0.6·coupons). tagwise fit must find those weights through the engine.

const TRUTH = { bias: -2, views: 0.3, coupons: -0.6 }
const KNOWN_RULES = {
  version: 1,
  metrics: {
    views: { events: { event: 'Product Viewed' }, agg: 'count', window: 'lifetime' },
    coupons: { events: { event: 'Coupon Claimed' }, agg: 'count', window: 'lifetime' },
    flat: { events: { event: 'Never Sent' }, agg: 'count', window: 'lifetime' },
  },
  tags: {},
}

function knownModelEvents(customers: number, seed: number): string {
  const random = mulberry32(seed)
  const lines: string[] = []
  let t = Date.parse('2026-02-01T00:00:00Z')
  for (let c = 0; c < customers; c++) {
    const userId = `c${c}`
    const views = Math.floor(random() * 20)
    const coupons = Math.floor(random() * 6)
    const z = TRUTH.bias + TRUTH.views * views + TRUTH.coupons * coupons
    const business = random() < 1 / (1 + Math.exp(-z))
    const at = () => new Date((t += 1000)).toISOString()
    const event = (fields: object) =>
      lines.push(
        JSON.stringify({ userId, messageId: `m${lines.length}`, timestamp: at(), ...fields }),
      )
    event({ type: 'identify', traits: { segment_business: business } })
    for (let k = 0; k < views; k++) event({ type: 'track', event: 'Product Viewed' })
    for (let k = 0; k < coupons; k++) event({ type: 'track', event: 'Coupon Claimed' })
  }
  return lines.join('\n') + '\n'
}

// Each test runs the CLI on thousands of generated events: seconds on a busy 2-core machine (a
// full CI run took 7.8 s for one). The timeout only catches a hang; nothing here is timed.
describe('tagwise fit', { timeout: 60_000 }, () => {
  it('recovers a known model from events: weights near the truth, signs right, a constant feature dropped', () => {
    const rules = file('known.json', KNOWN_RULES)
    const events = file('known.ndjson', knownModelEvents(3000, 21))
    const { code, stdout, stderr } = tagwise([
      'fit',
      ...['--rules', rules, '--events', events, '--tag', 'business_customer'],
      ...['--label', '{"var":"traits.segment_business"}', '--l2', '0.01'],
    ])
    expect(stderr).toMatch(/warning: metrics\.flat is 0 for every profile fitted: left out/)
    expect(code).toBe(0)
    const { score, category } = JSON.parse(stdout).business_customer
    expect(category).toBe('predictive')
    expect(Object.keys(score.weights)).toEqual(['metrics.views', 'metrics.coupons'])
    expect(Math.abs(score.weights['metrics.views'] - TRUTH.views)).toBeLessThan(0.05)
    expect(Math.abs(score.weights['metrics.coupons'] - TRUTH.coupons)).toBeLessThan(0.12)
    expect(Math.abs(score.bias - TRUTH.bias)).toBeLessThan(0.35)
    expect(stderr).toMatch(/rows: 3000 profiles .*: 2400 fitted, 600 held out/)
    expect(stderr).toMatch(/converged in \d+ Newton steps/)
    expect(figure(stderr, 'holdout: AUC')).toBeGreaterThan(0.8)
    expect(stderr).toMatch(
      /calibration by decile[^\n]*\n[^\n]*\n(\s+\d+\s+\d+\s+[\d.]+%\s+[\d.]+%\n){10}/,
    )
    expect(stderr).toMatch(/threshold: [\d.]+, the best F1 on the holdout \(F1 /)
  })

  it('learns a propensity from generated events; check accepts the rules with the tag', () => {
    const events = file(
      'travel.ndjson',
      toNdjson(generateEvents({ seed: 5, visitors: 300, days: 120 })),
    )
    const args = ['--rules', CATALOG, '--events', events, '--now', '2026-03-31T00:00:00Z']
    const { code, stdout, stderr } = tagwise([
      'fit',
      ...args,
      ...['--label', 'event:"Order Completed"', '--horizon', '30d'],
    ])
    expect(code).toBe(0)
    expect(stderr).toMatch(
      /label: the event "Order Completed" in \(now, now \+ 30d\]: \d+ positive/,
    )
    expect(stderr).toMatch(/missing: metrics\.avg_lead_days_365d in \d+ profiles .* fitted as 0/)
    expect(figure(stderr, 'holdout: AUC')).toBeGreaterThan(0.75)
    const tag = JSON.parse(stdout)
    expect(Object.keys(tag)).toEqual(['likely_order_completed'])
    const catalog = JSON.parse(readFileSync(CATALOG, 'utf8'))
    const rules = file('with-tag.json', { ...catalog, tags: { ...catalog.tags, ...tag } })
    expect(tagwise(['check', rules])).toMatchObject({ code: 0 })
  })

  it('publishes a tag the engine evaluates exactly as the fit computed it', async () => {
    const text = toNdjson(generateEvents({ seed: 9, visitors: 150, days: 100 }))
    const events = file('parity.ndjson', text)
    const now = Date.parse('2026-03-20T00:00:00Z')
    const catalog = compileRules(readFileSync(CATALOG, 'utf8'))
    const sink = new Output(new Writable({ write: (_chunk, _encoding, done) => done() }))
    const outcomes = new Set<string>()
    const { profiles } = await profilesAt(join(dir, events), catalog, now, sink, (event, key) => {
      if (event.raw.event === 'Order Completed' && event.ts <= now + 30 * 86_400_000)
        outcomes.add(key)
    })
    const paths = [
      'metrics.orders_90d',
      'metrics.since_last_order',
      'tags.business_class_share',
      'traits.vip',
    ]
    const table = profileTable(profiles, now, paths, (_data, key) => outcomes.has(key))
    const score = learnScore(table.dataset, { holdout: 0.2, seed: 1, l2: 1, impute: 'zero' })
    const document = JSON.parse(readFileSync(CATALOG, 'utf8'))
    document.tags.fitted = {
      score: {
        bias: score.bias,
        weights: Object.fromEntries(score.weights.map((w) => [w.path, w.weight])),
        threshold: 0,
      },
    }
    const withTag = compileRules(JSON.stringify(document))
    expect(table.profiles.length).toBeGreaterThan(100)
    table.profiles.forEach(({ key }, i) => {
      // A fresh state from the same profile's events: the engine's score as the edge runs it.
      const state = profiles.find((p) => p.key === key)!.state
      const restored = withTag.restore(state.snapshot())
      const explanation = restored.explain('fitted', now)
      expect(explanation.parts[0]!.tree.value).toBe(score.probabilities[i])
      expect(restored.evaluate(now).tags.fitted).toBe(
        Math.round(score.probabilities[i]! * 1e4) / 1e4,
      )
    })
    // And the CLI prints those same weights.
    const cli = tagwise([
      'fit',
      ...['--rules', CATALOG, '--events', events, '--now', '2026-03-20T00:00:00Z'],
      ...['--label', 'event:Order Completed', '--horizon', '30d', '--features', paths.join(',')],
    ])
    expect(cli.code).toBe(0)
    expect(JSON.parse(cli.stdout).likely_order_completed.score.weights).toEqual(
      document.tags.fitted.score.weights,
    )
  })

  it('fits features that reach the largest double (was: "collinear", whatever the penalty)', () => {
    const start = Date.parse('2026-01-01T00:00:00Z')
    const lines: string[] = []
    for (let p = 0; p < 300; p++) {
      const order = (k: number, ms: number, revenue: number) =>
        lines.push(
          JSON.stringify({
            type: 'track',
            event: 'Order Completed',
            anonymousId: `a${p}`,
            messageId: `m${p}-${k}`,
            timestamp: new Date(ms).toISOString(),
            properties: { revenue },
          }),
        )
      for (let k = 0; k <= p % 4; k++)
        order(k, start + k * 86_400_000 + p * 60_000, (p % 3 ? 1 : -1) * 1e308)
      // Half of them order again after the cut.
      if (p % 2) order(9, start + 20 * 86_400_000, 1)
    }
    const { code, stdout, stderr } = tagwise([
      'fit',
      ...['--rules', CATALOG, '--events', file('huge.ndjson', `${lines.join('\n')}\n`)],
      ...['--label', 'event:Order Completed', '--horizon', '30d', '--now', '2026-01-10T00:00:00Z'],
      ...['--features', 'metrics.revenue_lifetime,metrics.orders_30d'],
    ])
    expect(stderr).not.toMatch(/collinear/)
    expect(code).toBe(0)
    const { score } = JSON.parse(stdout).likely_order_completed
    for (const value of [score.bias, ...Object.values(score.weights)])
      expect(Number.isFinite(value)).toBe(true)
    // The values reach ±1.8e308: the engine keeps their sums at the largest double.
    expect(stderr).toMatch(/metrics\.revenue_lifetime/)
  })

  it('says why a label is constant, with exit code 1', () => {
    const events = file('const.ndjson', knownModelEvents(50, 3))
    const { code, stdout, stderr } = tagwise([
      'fit',
      ...['--rules', file('known2.json', KNOWN_RULES), '--events', events],
      ...['--label', '{"==":[1,2]}'],
    ])
    expect({ code, stdout }).toEqual({ code: 1, stdout: '' })
    expect(stderr).toBe(
      'tagwise: the label is false for all 50 profiles: there is nothing to learn\n',
    )
  })

  it('reports bad lines as "line N: why", still fits, and exits 1', () => {
    const good = knownModelEvents(300, 4).split('\n')
    good.splice(3, 0, '{not json', '{"type":"track","timestamp":"2026-02-01T00:00:00Z"}')
    const { code, stdout, stderr } = tagwise([
      'fit',
      ...[
        '--rules',
        file('known3.json', KNOWN_RULES),
        '--events',
        file('bad.ndjson', good.join('\n')),
      ],
      ...['--label', '{"var":"traits.segment_business"}'],
    ])
    expect(code).toBe(1)
    expect(stderr).toMatch(/^line 4: not valid JSON/m)
    expect(stderr).toMatch(/^line 5: /m)
    expect(JSON.parse(stdout).predicted_label.score.weights['metrics.views']).toBeGreaterThan(0)
  })

  it.each([
    [['--label', 'event:"Order Completed"', '--now', '2026-02-02T00:00:00Z'], /needs --horizon/],
    [['--label', 'event:"Order Completed"', '--horizon', '30d'], /an event label needs --now/],
    [['--label', '{"var":"traits.x"}', '--horizon', '30d'], /--horizon goes with an event label/],
    [
      ['--label', 'event:X', '--horizon', '3w', '--now', '2026-02-02T00:00:00Z'],
      /--horizon must be/,
    ],
    [['--label', '{nope'], /--label must be a JsonLogic expression/],
    [['--label', '{"frob":[1]}'], /label/],
    [
      ['--label', '{"var":"a"}', '--features', 'metrics.view'],
      /unknown feature "metrics\.view" \(did you mean "metrics\.views"\?\)/,
    ],
    [['--label', '{"var":"a"}', '--holdout', '1'], /--holdout must be a share/],
    [['--label', '{"var":"a"}', '--l2=-1'], /--l2 must be/],
    [['--label', '{"var":"a"}', '--impute', 'median'], /--impute must be zero or mean/],
    [[], /fit needs --label/],
  ])('refuses bad usage with exit code 2: %j', (extra, message) => {
    const rules = file('known4.json', KNOWN_RULES)
    const events = file('few.ndjson', knownModelEvents(20, 5))
    const { code, stdout, stderr } = tagwise([
      'fit',
      '--rules',
      rules,
      '--events',
      events,
      ...extra,
    ])
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' })
    expect(stderr).toMatch(message)
  })

  it('refuses a tag id the rules would not accept, with exit code 1', () => {
    const { code, stderr } = tagwise([
      'fit',
      ...[
        '--rules',
        file('known5.json', KNOWN_RULES),
        '--events',
        file('k5.ndjson', knownModelEvents(200, 6)),
      ],
      ...['--label', '{"var":"traits.segment_business"}', '--tag', 'Bad-Id'],
    ])
    expect(code).toBe(1)
    expect(stderr).toMatch(/tags\.Bad-Id: bad tag id/)
  })
})
