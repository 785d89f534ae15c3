import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compileRules, parseProfileName, type ProfileState } from '../../rules/index.ts'
import { generateEvents, shuffle, toNdjson, visitorsOf } from '../support/events.ts'

const root = fileURLToPath(new URL('../..', import.meta.url))
const bin = join(root, 'bin/tagwise.js')
let dir = ''

beforeAll(() => {
  // The CLI only: the whole build would rewrite dist/public under the browser tests.
  execFileSync(process.execPath, ['scripts/build-cli.js'], { cwd: root })
  dir = mkdtempSync(join(tmpdir(), 'tagwise-cli-test-'))
}, 60_000)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Runs the real CLI in the fixture directory. */
function tagwise(args: string[], stdin?: string) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: dir,
    encoding: 'utf8',
    ...(stdin === undefined ? {} : { input: stdin }),
  })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}

/** Writes a fixture file and returns its name. */
function file(name: string, content: unknown): string {
  writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content))
  return name
}

const lines = (text: string) => text.split('\n').filter((line) => line !== '')
const profiles = (stdout: string) => lines(stdout).map((line) => JSON.parse(line))

const RULES = {
  version: 1,
  metrics: {
    orders: { events: { event: 'Order Completed' }, agg: 'count', window: 'lifetime' },
    revenue: {
      events: { event: 'Order Completed' },
      agg: 'sum',
      field: 'properties.revenue',
      window: 'lifetime',
    },
    orders_7d: { events: { event: 'Order Completed' }, agg: 'count', window: '7d' },
    biggest_order: {
      events: { event: 'Order Completed' },
      agg: 'max',
      field: 'properties.revenue',
      window: 'lifetime',
    },
    pages_session: { events: { type: 'page' }, agg: 'count', window: 'session' },
  },
  tags: {
    buyer: { when: { '>=': [{ var: 'metrics.orders' }, 1] } },
    spend_tier: {
      tiers: { of: { var: 'metrics.revenue' }, cuts: [100, 500], labels: ['low', 'mid', 'high'] },
    },
    browsing: { when: { '>': [{ var: 'metrics.pages_session' }, 0] } },
  },
}

let seq = 0
/** One NDJSON line: an event at `time` on 2026-01-10 (UTC) unless `time` is a full timestamp. */
function event(time: string, fields: Record<string, unknown>): string {
  return JSON.stringify({
    messageId: `m${++seq}`,
    timestamp: time.includes('T') ? time : `2026-01-10T${time}Z`,
    ...fields,
  })
}
const order = (time: string, ids: Record<string, unknown>, revenue: number) =>
  event(time, { type: 'track', event: 'Order Completed', properties: { revenue }, ...ids })
const page = (time: string, ids: Record<string, unknown>) =>
  event(time, { type: 'page', properties: { path: '/' }, ...ids })
const identify = (time: string, anonymousId: string, userId: string) =>
  event(time, { type: 'identify', anonymousId, userId })
const ndjson = (...events: string[]) => `${events.join('\n')}\n`

describe('tagwise check', () => {
  it('prints a one-line summary with the number of device tags and exits 0', () => {
    const { code, stdout, stderr } = tagwise(['check', file('rules.json', RULES)])
    expect({ code, stdout, stderr }).toEqual({
      code: 0,
      stdout: 'ok: 5 metrics, 3 tags (1 on device)\n',
      stderr: '',
    })
  })

  it('prints warnings on stderr and still exits 0', () => {
    const rules = {
      ...RULES,
      tags: { big_spender: { when: { '>': [{ var: 'metrics.biggest_order' }, 100] } } },
    }
    const { code, stdout, stderr } = tagwise(['check', file('warn.json', rules)])
    expect(code).toBe(0)
    expect(stdout).toBe('ok: 5 metrics, 1 tags (0 on device)\n')
    expect(lines(stderr).length).toBeGreaterThan(0)
    for (const line of lines(stderr)) expect(line).toMatch(/^warning: tags\.big_spender\.when: /)
  })

  it('lists every problem on its own line as "path: message" and exits 1', () => {
    const rules = {
      version: 1,
      metrics: {
        coupon_claims: { events: { event: 'Coupon Claimed' }, agg: 'count', window: '30d' },
        orders: { events: { event: 'Order Completed' }, agg: 'count', window: '9x' },
      },
      tags: { coupon_hunter: { when: { '>=': [{ var: 'metrics.coupon_claim' }, 3] } } },
    }
    const { code, stdout, stderr } = tagwise(['check', file('bad-rules.json', rules)])
    expect(code).toBe(1)
    expect(stdout).toBe('')
    const problems = lines(stderr)
    expect(problems.length).toBeGreaterThanOrEqual(2)
    expect(problems).toContainEqual(expect.stringMatching(/^metrics\.orders\.window: /))
    expect(problems).toContainEqual(
      expect.stringMatching(/^tags\.coupon_hunter\.when: .*"coupon_claim".*"coupon_claims"/),
    )
  })

  it('reports a file that is not JSON in one line, without a stack trace', () => {
    const { code, stderr } = tagwise([
      'check',
      file('broken.json', '{"version": 1,\n  "metrics": {'),
    ])
    expect(code).toBe(1)
    expect(lines(stderr)).toHaveLength(1)
    expect(stderr).toMatch(/JSON/)
    expect(stderr).not.toMatch(/\n\s+at /)
  })

  it('reports a missing file and a directory in one line each', () => {
    const missing = tagwise(['check', 'nope.json'])
    expect(missing.code).toBe(1)
    expect(lines(missing.stderr)).toEqual([
      'tagwise: cannot read rules file "nope.json": no such file',
    ])
    const directory = tagwise(['check', '.'])
    expect(directory.code).toBe(1)
    expect(lines(directory.stderr)).toHaveLength(1)
  })

  it('refuses a rules document over 1 MB', () => {
    const big = { ...RULES, categories: { big: 'x'.repeat(1_100_000) } }
    const { code, stderr } = tagwise(['check', file('big.json', big)])
    expect(code).toBe(1)
    expect(stderr).toMatch(/larger than 1 MB/)
  })
})

describe('tagwise usage', () => {
  it('prints usage for --help (exit 0) and without arguments (exit 2)', () => {
    const help = tagwise(['--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/^Usage:\n {2}tagwise check RULES\.json\n {2}tagwise eval --rules/)
    const none = tagwise([])
    expect(none.code).toBe(2)
    expect(none.stdout).toBe('')
    expect(none.stderr).toMatch(/Usage:/)
  })

  it('rejects unknown commands, unknown flags and missing arguments with exit 2', () => {
    file('rules.json', RULES)
    for (const args of [
      ['lint', 'rules.json'],
      ['check'],
      ['check', 'rules.json', 'extra.json'],
      ['eval', '--rules', 'rules.json', '--events', 'e.ndjson', '--verbose'],
      ['eval', '--rules', 'rules.json'],
      ['eval', '--events', 'e.ndjson'],
    ]) {
      const { code, stderr } = tagwise(args)
      expect(code, args.join(' ')).toBe(2)
      expect(stderr).toMatch(/Usage:/)
    }
  })

  it('answers a 600 KB document with 100,000 unknown operations nested in a where in a few lines', () => {
    // It printed an unknown operation per level, each path a level longer, and ran out of memory.
    const levels = 100_000
    const where = `{"==":[{"var":"properties.x"},${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}]}`
    const metric = `{"events":{"event":"X","where":${where}},"agg":"count","window":"lifetime"}`
    const text = `{"version":1,"metrics":{"m":${metric}},"tags":{"t":{"when":true}}}`
    const { code, stdout, stderr } = tagwise(['check', file('deep-where.json', text)])
    expect({ code, stdout }).toEqual({ code: 1, stdout: '' })
    expect(lines(stderr)).toHaveLength(23)
    expect(lines(stderr).slice(-3)).toEqual([
      'metrics.m.events.where: 99980 more unknown operations',
      `metrics.m.events.where: expression is nested ${levels + 1} levels deep; the limit is 32`,
      `metrics.m.events.where: expression has ${levels + 4} nodes; the limit is 2000`,
    ])
  })

  it('names the file when it is not JSON', () => {
    const { code, stderr } = tagwise(['check', file('not-json.json', 'not json')])
    expect(code).toBe(1)
    expect(stderr).toMatch(/^not-json\.json: not valid JSON: /)
  })
})

describe('tagwise eval', () => {
  const rules = () => file('rules.json', RULES)

  it('prints one JSON line per profile, sorted by key, with present tags and every metric', () => {
    const events = file(
      'format.ndjson',
      ndjson(
        order('12:00:00', { userId: 'u9' }, 120),
        page('12:01:00', { anonymousId: 'a1' }),
        order('12:02:00', { userId: 'u10' }, 600),
        page('12:03:00', { userId: 'B' }),
      ),
    )
    const { code, stdout, stderr } = tagwise(['eval', '--rules', rules(), '--events', events])
    expect(stderr).toBe('')
    expect(code).toBe(0)
    expect(lines(stdout)[0]).toBe(
      '{"profile":"B","tags":{"spend_tier":"low","browsing":true},"metrics":{"orders":0,"revenue":0,"orders_7d":0,"biggest_order":null,"pages_session":1}}',
    )
    const out = profiles(stdout)
    expect(out.map((p) => p.profile)).toEqual(['B', 'a1', 'u10', 'u9'])
    expect(out[2]).toEqual({
      profile: 'u10',
      tags: { buyer: true, spend_tier: 'high' },
      metrics: { orders: 1, revenue: 600, orders_7d: 1, biggest_order: 600, pages_session: 0 },
    })
    expect(out[3].tags).toEqual({ buyer: true, spend_tier: 'mid' })
  })

  it('joins anonymous events before and after an identify, whatever the line order', () => {
    const events = [
      order('12:05:00', { anonymousId: 'a1' }, 50),
      page('11:00:00', { anonymousId: 'a1' }),
      order('12:10:00', { userId: 'u1' }, 70),
      page('12:00:00', { anonymousId: 'a2' }),
      identify('11:30:00', 'a1', 'u1'),
    ]
    const orders = file('identity.ndjson', ndjson(...events))
    const reversed = file('identity-reversed.ndjson', ndjson(...[...events].reverse()))
    const first = tagwise(['eval', '--rules', rules(), '--events', orders])
    expect(first.code).toBe(0)
    expect(
      profiles(first.stdout).map((p) => [p.profile, p.metrics.orders, p.metrics.revenue]),
    ).toEqual([
      ['a2', 0, 0],
      ['u1', 2, 120],
    ])
    expect(tagwise(['eval', '--rules', rules(), '--events', reversed]).stdout).toBe(first.stdout)
  })

  it('follows aliases and sends a userId event to its own user, whatever its anonymous id', () => {
    const events = file(
      'alias.ndjson',
      ndjson(
        identify('10:00:00', 'a1', 'u1'),
        event('10:30:00', { type: 'alias', previousId: 'u1', userId: 'u2' }),
        order('11:00:00', { anonymousId: 'a1' }, 10),
        order('11:10:00', { anonymousId: 'a1', userId: 'u3' }, 20),
      ),
    )
    const out = profiles(tagwise(['eval', '--rules', rules(), '--events', events]).stdout)
    expect(out.map((p) => [p.profile, p.metrics.revenue])).toEqual([
      ['u2', 10],
      ['u3', 20],
    ])
  })

  it('reads keys spelled with escapes like any other', () => {
    const events = file(
      'escaped.ndjson',
      ndjson(
        '{"type":"identify","anonymousId":"a1","user\\u0049d":"u1","timestamp":"2026-01-10T10:00:00Z"}',
        order('11:00:00', { anonymousId: 'a1', userId: 'u1' }, 5),
        order('12:00:00', { anonymousId: 'a1' }, 7),
      ),
    )
    const out = profiles(tagwise(['eval', '--rules', rules(), '--events', events]).stdout)
    expect(out.map((p) => [p.profile, p.metrics.revenue])).toEqual([['u1', 12]])
  })

  it('matches the engine fed per known visitor on a shuffled realistic stream', () => {
    const options = { seed: 3, visitors: 30, days: 60 }
    const events = generateEvents(options)
    const catalog = join(root, 'examples/rules/catalog.json')
    const stream = file('generated.ndjson', toNdjson(shuffle(events, 11)))
    const { code, stdout, stderr } = tagwise(['eval', '--rules', catalog, '--events', stream])
    expect(stderr).toBe('')
    expect(code).toBe(0)

    const engine = compileRules(readFileSync(catalog, 'utf8'))
    const profileOf = new Map<string, string>()
    for (const v of visitorsOf(options)) {
      profileOf.set(v.anonymousId, v.profile)
      if (v.userId) profileOf.set(v.userId, v.profile)
    }
    const states = new Map<string, ProfileState>()
    for (const e of events) {
      const key = profileOf.get((e.userId ?? e.anonymousId) as string)!
      if (!states.has(key)) states.set(key, engine.createState({ maxMessageIds: Infinity }))
      states.get(key)!.ingest(e)
    }
    const now = events.reduce((max, e) => Math.max(max, Date.parse(e.timestamp as string)), 0)
    // No anonymous id here equals a user id: the CLI prints every profile by its bare id.
    const expected = [...states]
      .map(([key, state]) => ({ profile: parseProfileName(key).id, state }))
      .sort((a, b) => (a.profile < b.profile ? -1 : 1))
      .map(({ profile, state }) => {
        const { tags, metrics } = state.evaluate(now)
        return JSON.stringify({ profile, tags, metrics })
      })
    expect(lines(stdout)).toEqual(expected)
  })

  it('keeps an anonymous id apart from the user id of the same string, naming it anonymous: only then', () => {
    const events = file(
      'spaces.ndjson',
      ndjson(
        order('12:00:00', { userId: 'x' }, 10),
        order('12:05:00', { anonymousId: 'x' }, 99),
        order('12:10:00', { anonymousId: 'y' }, 5),
      ),
    )
    const out = profiles(tagwise(['eval', '--rules', rules(), '--events', events]).stdout)
    expect(out.map((p) => [p.profile, p.metrics.revenue])).toEqual([
      ['anonymous:x', 99],
      ['x', 10],
      ['y', 5],
    ])
  })

  it('counts a retried messageId once per profile, also when the retry carries the userId', () => {
    const first = JSON.stringify({
      type: 'track',
      event: 'Order Completed',
      properties: { revenue: 100 },
      anonymousId: 'a1',
      messageId: 'retry-me',
      timestamp: '2026-01-10T12:00:00Z',
    })
    const retry = JSON.stringify({ ...JSON.parse(first), userId: 'u1' })
    const events = file(
      'dupes.ndjson',
      ndjson(first, retry, first, identify('11:00:00', 'a1', 'u1')),
    )
    const out = profiles(tagwise(['eval', '--rules', rules(), '--events', events]).stdout)
    expect(out.map((p) => [p.profile, p.metrics.orders, p.metrics.revenue])).toEqual([
      ['u1', 1, 100],
    ])
  })

  it('reports bad lines with their numbers, skips blank lines, prints the good profiles, exits 1', () => {
    const events = file(
      'bad-lines.ndjson',
      [
        order('12:00:00', { userId: 'u1' }, 10),
        '{not json',
        '[1, 2]',
        JSON.stringify({ type: 'track', event: 'Order Completed', userId: 'u1' }),
        '',
        '   ',
        JSON.stringify({ type: 'launch', userId: 'u1', timestamp: '2026-01-10T12:00:00Z' }),
        order('12:30:00', { userId: 'u1' }, 20),
        JSON.stringify({ type: 'track', userId: 'u1', timestamp: '2026-01-10T12:00:00' }),
      ].join('\r\n'),
    )
    const { code, stdout, stderr } = tagwise(['eval', '--rules', rules(), '--events', events])
    expect(code).toBe(1)
    expect(lines(stderr).map((line) => line.slice(0, line.indexOf(':')))).toEqual([
      'line 2',
      'line 3',
      'line 4',
      'line 7',
      'line 9',
    ])
    expect(stderr).toMatch(/^line 4: "timestamp" is missing$/m)
    expect(profiles(stdout).map((p) => [p.profile, p.metrics.orders])).toEqual([['u1', 2]])
  })

  it('reads a file that starts with a byte order mark, its identity links included (line 1 was bad)', () => {
    // As Windows editors save UTF-8 (and `tagwise check` and the collector already read it).
    const text = ndjson(
      identify('10:00:00', 'a1', 'u1'),
      order('12:00:00', { anonymousId: 'a1' }, 5),
    )
    const plain = tagwise(['eval', '--rules', rules(), '--events', file('plain.ndjson', text)])
    const withBom = tagwise([
      'eval',
      '--rules',
      rules(),
      '--events',
      file('bom.ndjson', `\uFEFF${text}`),
    ])
    expect(withBom).toEqual(plain)
    expect(withBom.code).toBe(0)
    expect(profiles(withBom.stdout).map((p) => [p.profile, p.metrics.orders])).toEqual([['u1', 1]])
    expect(tagwise(['eval', '--rules', rules(), '--events', '-'], `\uFEFF${text}`)).toEqual(plain)
  })

  it('reports a line nested 100,000 levels deep as bad and goes on (it crashed the run)', () => {
    const deep = `{"type":"track","event":"Order Completed","userId":"u2","timestamp":"2026-01-10T12:00:00Z","properties":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`
    const events = file(
      'deep.ndjson',
      ndjson(
        order('2026-01-10T12:00:00Z', { userId: 'u1' }, 20),
        deep,
        page('2026-01-10T12:01:00Z', { userId: 'u2' }),
      ),
    )
    const { code, stdout, stderr } = tagwise(['eval', '--rules', rules(), '--events', events])
    expect({ code, stderr }).toEqual({
      code: 1,
      stderr: 'line 2: nested deeper than 32 levels of objects and arrays: flatten the event\n',
    })
    expect(profiles(stdout).map((p) => [p.profile, p.metrics.orders])).toEqual([
      ['u1', 1],
      ['u2', 0],
    ])
  })

  it('reports a JSON array as one, not as NDJSON (a common mistake)', () => {
    const events = file(
      'array.json',
      `[${[order('2026-01-10T12:00:00Z', { userId: 'u1' }, 20), page('2026-01-10T12:01:00Z', { userId: 'u2' })].join(',')}]`,
    )
    const { code, stdout, stderr } = tagwise(['eval', '--rules', rules(), '--events', events])
    expect({ code, stdout }).toEqual({ code: 1, stdout: '' })
    expect(stderr).toBe(
      "line 1: a JSON array, not an event: events are NDJSON, one JSON object per line (jq -c '.[]' converts an array)\n",
    )
  })

  it('reports a line longer than 1 MiB as bad without holding it, and goes on', () => {
    // A file without line feeds (a 1 GB array, a broken export) was held in memory whole: the
    // identity pass joined it chunk by chunk (quadratic), then the run ended in "Invalid string
    // length" past 512 MB. A line is now read up to 1,048,576 characters (32 times the collector's
    // largest event).
    const long = `{"type":"track","event":"Order Completed","userId":"u2","timestamp":"2026-01-10T12:00:00Z","properties":{"note":"${'漢'.repeat(1_100_000)}"}}`
    const events = file(
      'long.ndjson',
      ndjson(
        order('2026-01-10T12:00:00Z', { userId: 'u1' }, 20),
        long,
        page('2026-01-10T12:01:00Z', { userId: 'u2' }),
        identify('2026-01-10T12:02:00Z', 'a3', `u3${'x'.repeat(1_100_000)}`),
      ),
    )
    const { code, stdout, stderr } = tagwise(['eval', '--rules', rules(), '--events', events])
    expect({ code, stderr }).toEqual({
      code: 1,
      stderr:
        'line 2: longer than 1,048,576 characters: an event is one line of NDJSON (a JSON array of events is not)\n' +
        'line 4: longer than 1,048,576 characters: an event is one line of NDJSON (a JSON array of events is not)\n',
    })
    expect(profiles(stdout).map((p) => [p.profile, p.metrics.orders])).toEqual([
      ['u1', 1],
      ['u2', 0],
    ])
    const under = file(
      'under.ndjson',
      ndjson(long.replace('漢'.repeat(1_100_000), 'é'.repeat(1_000_000))),
    )
    expect(tagwise(['eval', '--rules', rules(), '--events', under]).code).toBe(0)
  })

  it('evaluates at --now, ignoring later events but printing their profiles', () => {
    const events = file(
      'now.ndjson',
      ndjson(
        order('2026-01-01T10:00:00Z', { userId: 'u1' }, 100),
        order('2026-01-09T10:00:00Z', { userId: 'u1' }, 100),
        order('2026-01-20T10:00:00Z', { userId: 'u1' }, 1000),
        order('2026-01-21T10:00:00Z', { userId: 'u2' }, 1000),
        identify('2026-01-22T10:00:00Z', 'a1', 'u1'),
        page('2026-01-05T10:00:00Z', { anonymousId: 'a1' }),
      ),
    )
    const args = ['eval', '--rules', rules(), '--events', events]
    const { code, stdout } = tagwise([...args, '--now', '2026-01-10T12:00:00+02:00'])
    expect(code).toBe(0)
    expect(profiles(stdout)).toEqual([
      {
        profile: 'u1',
        tags: { buyer: true, spend_tier: 'mid' },
        metrics: { orders: 2, revenue: 200, orders_7d: 1, biggest_order: 100, pages_session: 0 },
      },
      {
        profile: 'u2',
        tags: { spend_tier: 'low' },
        metrics: { orders: 0, revenue: 0, orders_7d: 0, biggest_order: null, pages_session: 0 },
      },
    ])
    const latest = profiles(tagwise(args).stdout)
    expect(latest.map((p) => [p.profile, p.metrics.orders_7d])).toEqual([
      ['u1', 1],
      ['u2', 1],
    ])
  })

  it('keeps huge revenues finite, reads 1e400 as JSON writes it (null) and years 0000–0099 as such', () => {
    const huge = ndjson(
      order('2026-01-01T10:00:00Z', { userId: 'u1' }, 1e308),
      order('2026-01-02T10:00:00Z', { userId: 'u1' }, 1e308),
      order('2026-01-03T10:00:00Z', { userId: 'u2' }, 5).replace('"revenue":5', '"revenue":1e400'),
      order('0050-01-01T10:00:00Z', { userId: 'u3' }, 7),
    )
    const args = ['eval', '--rules', rules(), '--events', file('huge.ndjson', huge)]
    const { code, stdout, stderr } = tagwise([...args, '--now', '2026-01-10T00:00:00Z'])
    expect(stderr).toBe('')
    expect(code).toBe(0)
    const [u1, u2, u3] = profiles(stdout)
    expect(u1).toMatchObject({
      tags: { buyer: true, spend_tier: 'high' },
      metrics: { orders: 2, revenue: Number.MAX_VALUE, biggest_order: 1e308 },
    })
    expect(u2.metrics).toMatchObject({ orders: 1, revenue: 0, biggest_order: null })
    expect(u3.metrics).toMatchObject({ orders: 1, revenue: 7, orders_7d: 0 })
    // At --now in the year 50 (not 1950) the order of that day counts in its 7 days.
    const fifty = profiles(tagwise([...args, '--now', '0050-01-02T00:00:00Z']).stdout)
    expect(fifty.find((p) => p.profile === 'u3').metrics).toMatchObject({ orders: 1, orders_7d: 1 })
  })

  it('rejects a --now without a time zone or not a date with exit 2', () => {
    const events = file('one.ndjson', ndjson(page('12:00:00', { anonymousId: 'a1' })))
    for (const now of ['2026-01-10T12:00:00', 'yesterday']) {
      const { code, stderr } = tagwise([
        'eval',
        '--rules',
        rules(),
        '--events',
        events,
        '--now',
        now,
      ])
      expect(code).toBe(2)
      expect(stderr).toMatch(/--now must be an ISO-8601 date-time with a time zone/)
    }
  })

  it('reads the events from stdin with -', () => {
    const text = ndjson(
      identify('10:00:00', 'a1', 'u1'),
      order('12:00:00', { anonymousId: 'a1' }, 5),
    )
    const fromFile = tagwise(['eval', '--rules', rules(), '--events', file('stdin.ndjson', text)])
    const fromStdin = tagwise(['eval', '--rules', rules(), '--events', '-'], text)
    expect(fromStdin).toEqual(fromFile)
    expect(profiles(fromStdin.stdout).map((p) => p.profile)).toEqual(['u1'])
  })

  it('adds the explanation of --explain TAG to every line', () => {
    const events = file(
      'explain.ndjson',
      ndjson(order('12:00:00', { userId: 'u1' }, 10), page('12:00:00', { userId: 'u2' })),
    )
    const { code, stdout } = tagwise([
      'eval',
      '--rules',
      rules(),
      '--events',
      events,
      '--explain',
      'buyer',
    ])
    expect(code).toBe(0)
    const [u1, u2] = profiles(stdout)
    expect(Object.keys(u1)).toEqual(['profile', 'tags', 'metrics', 'explain'])
    expect(u1.explain).toMatchObject({
      tag: 'buyer',
      kind: 'flag',
      value: true,
      metrics: { orders: 1 },
    })
    expect(u2.explain).toMatchObject({ tag: 'buyer', value: null, metrics: { orders: 0 } })
    expect(u1.explain.parts.length).toBeGreaterThan(0)
  })

  it('rejects an unknown --explain tag with exit 2 and suggests close ones', () => {
    const events = file('one.ndjson', ndjson(page('12:00:00', { anonymousId: 'a1' })))
    const { code, stdout, stderr } = tagwise([
      'eval',
      '--rules',
      rules(),
      '--events',
      events,
      '--explain',
      'buyers',
    ])
    expect(code).toBe(2)
    expect(stdout).toBe('')
    expect(stderr).toMatch(/unknown tag "buyers"; did you mean "buyer"\?/)
  })

  it('exits 1 with every problem when the rules are invalid, and 1 when events are unreadable', () => {
    const broken = file('eval-bad-rules.json', { version: 2, metrics: {}, tags: {} })
    const events = file('one.ndjson', ndjson(page('12:00:00', { anonymousId: 'a1' })))
    const invalid = tagwise(['eval', '--rules', broken, '--events', events])
    expect(invalid.code).toBe(1)
    expect(invalid.stdout).toBe('')
    expect(invalid.stderr).toMatch(/^version: /)
    const missing = tagwise(['eval', '--rules', rules(), '--events', 'missing.ndjson'])
    expect(missing.code).toBe(1)
    expect(lines(missing.stderr)).toEqual([
      'tagwise: cannot read events file "missing.ndjson": no such file',
    ])
  })

  it('prints nothing and exits 0 for an empty event stream', () => {
    const { code, stdout, stderr } = tagwise(['eval', '--rules', rules(), '--events', '-'], '')
    expect({ code, stdout, stderr }).toEqual({ code: 0, stdout: '', stderr: '' })
  })
})

describe('tagwise usage', () => {
  it('prints its version', () => {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      version: string
    }
    expect(tagwise(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' })
  })

  it('names an unknown option with the ones the command takes, and an option without a value', () => {
    const unknown = tagwise(['eval', '--rule', 'r.json'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(
      /^tagwise: unknown option "--rule" \(it takes --rules, --events, --now, --explain\)\n/,
    )
    const missing = tagwise(['eval', '--rules'])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/^tagwise: --rules needs a value\n/)
  })
})
