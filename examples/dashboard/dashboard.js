// The tagwise dashboard: plain ES module, no build step, same origin as the collector's API.
// Admin routes need the adminKey (prefilled with the local demo key on localhost; kept in
// sessionStorage only), `GET /v1/rules` the writeKey.
const $ = (selector, root = document) => root.querySelector(selector)
const el = (tag, attributes = {}, ...children) => {
  const node = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'text') node.textContent = value
    else if (value !== undefined && value !== false)
      node.setAttribute(name, value === true ? '' : value)
  }
  node.append(...children.filter((c) => c !== undefined && c !== null))
  return node
}
const svg = (tag, attributes = {}, ...children) => {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag)
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value)
  node.append(...children)
  return node
}
/** A table's head row: one column header per name. */
const tableHead = (names) =>
  el('thead', {}, el('tr', {}, ...names.map((name) => el('th', { scope: 'col' }, name))))
const show = (value) => (typeof value === 'string' ? value : JSON.stringify(value))
/** `1 profile`, `2 profiles`: the catalog of a fresh demo has one profile. */
const profiles = (count) => `${count} ${count === 1 ? 'profile' : 'profiles'}`
const when = (iso) => (iso ? new Date(iso).toLocaleString() : '—')
const local = ['localhost', '127.0.0.1', '[::1]'].includes(location.hostname)

// ——— keys and API ———
const keys = {
  admin: sessionStorage.getItem('tw:admin') ?? (local ? 'dev-admin-key' : ''),
  write: sessionStorage.getItem('tw:write') ?? (local ? 'demo-write-key' : ''),
}
$('#admin-key').value = keys.admin
$('#write-key').value = keys.write
$('#keys').addEventListener('submit', (event) => {
  event.preventDefault()
  keys.admin = $('#admin-key').value.trim()
  keys.write = $('#write-key').value.trim()
  sessionStorage.setItem('tw:admin', keys.admin)
  sessionStorage.setItem('tw:write', keys.write)
  refreshAll()
})
const status = (text, error = false) => {
  $('#status').textContent = text
  $('#status').classList.toggle('error', error)
}

/** Calls the API; resolves `{ ok, status, body, headers }`, never rejects. */
async function api(path, { method = 'GET', body, admin = true, headers = {} } = {}) {
  const auth = admin ? `Bearer ${keys.admin}` : `Basic ${btoa(`${keys.write}:`)}`
  try {
    const response = await fetch(path, {
      method,
      headers: {
        authorization: auth,
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    })
    const text = await response.text()
    let parsed = null
    try {
      parsed = text ? JSON.parse(text) : null
    } catch {
      parsed = { error: text }
    }
    if (response.status === 401 || response.status === 403)
      status(`${path}: ${parsed?.error ?? response.status} — check the keys above.`, true)
    return { ok: response.ok, status: response.status, body: parsed, headers: response.headers }
  } catch (error) {
    status(`${path}: ${error.message}`, true)
    return { ok: false, status: 0, body: null, headers: new Headers() }
  }
}

// ——— catalog ———
let catalog = null
/** Every tag's profiles per day (GET /v1/catalog/history), for the sparklines. */
let histories = {}
/** A line of `points` (`{ day, profiles }`) in a `width` × `height` box, `max` at the top. */
function line(points, width, height, max) {
  const step = points.length > 1 ? width / (points.length - 1) : 0
  return points
    .map(
      (p, i) =>
        `${(i * step).toFixed(1)},${(height - (max ? (p.profiles / max) * height : 0)).toFixed(1)}`,
    )
    .join(' ')
}
function sparkline(tag) {
  const points = (histories[tag.id] ?? []).slice(-30)
  const button = el('button', {
    type: 'button',
    class: 'spark',
    'aria-label': `coverage of ${tag.id} over time`,
  })
  if (points.length === 0) return el('div', { class: 'muted small' }, 'no history yet')
  const max = Math.max(...points.map((p) => p.profiles), 1)
  const chart = svg('svg', { width: 120, height: 24, viewBox: '0 0 120 24', 'aria-hidden': 'true' })
  chart.append(
    svg('polyline', {
      points: line(points, 120, 22, max),
      fill: 'none',
      stroke: '#2c4bd6',
      'stroke-width': 1.5,
    }),
  )
  // A line of one point draws nothing: the first day's snapshot is a dot.
  if (points.length === 1)
    chart.append(
      svg('circle', { cx: 3, cy: 22 - (points[0].profiles / max) * 19, r: 2.5, fill: '#2c4bd6' }),
    )
  button.append(chart)
  button.addEventListener('click', () => showHistory(tag.id, 30))
  return button
}
/** The larger chart of one tag's coverage over the last `days` days. */
async function showHistory(tag, days) {
  const box = $('#history')
  box.hidden = false
  box.dataset.tag = tag
  $('#history-h').textContent = `Coverage of ${tag}, last ${days} days`
  const result = await api(`/v1/catalog/history?tag=${encodeURIComponent(tag)}&days=${days}`)
  const points = result.ok ? result.body.days : []
  const width = 640
  const height = 160
  const max = Math.max(...points.map((p) => p.profiles), 1)
  const chart = svg('svg', {
    width,
    height: height + 20,
    viewBox: `0 0 ${width} ${height + 20}`,
    role: 'img',
    'aria-label': `${tag}: ${points.map((p) => `${p.day} ${p.profiles}`).join(', ')}`,
  })
  chart.append(
    svg('polyline', {
      points: line(points, width, height, max),
      fill: 'none',
      stroke: '#2c4bd6',
      'stroke-width': 2,
    }),
  )
  // A dot per day: a single day (the first snapshot) shows too, and each has its count.
  const step = points.length > 1 ? width / (points.length - 1) : 0
  points.forEach((p, i) => {
    const dot = svg('circle', {
      cx: Math.min(Math.max(i * step, 3), width - 3),
      cy: height - (p.profiles / max) * (height - 3),
      r: 3,
      fill: '#2c4bd6',
    })
    dot.append(svg('title', {}, `${p.day}: ${profiles(p.profiles)}`))
    chart.append(dot)
  })
  if (points.length) {
    chart.append(svg('text', { x: 0, y: height + 16, 'font-size': 11 }, points[0].day))
    chart.append(
      svg(
        'text',
        { x: width, y: height + 16, 'font-size': 11, 'text-anchor': 'end' },
        points.at(-1).day,
      ),
    )
    chart.append(svg('text', { x: 2, y: 12, 'font-size': 11 }, profiles(max)))
  }
  $('#history-chart').replaceChildren(
    points.length
      ? chart
      : el('p', { class: 'muted' }, 'No history yet: the daily snapshot has not run.'),
  )
}
for (const button of document.querySelectorAll('#history [data-days]'))
  button.addEventListener('click', () =>
    showHistory($('#history').dataset.tag, Number(button.dataset.days)),
  )
function coverageBar(tag, total) {
  const width = 260
  const height = 16
  const values = tag.coverage.values
  const bar = svg('svg', {
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': `${tag.coverage.profiles} of ${total} profiles`,
  })
  bar.append(svg('rect', { x: 0, y: 0, width, height, rx: 4, fill: '#e5e7eb' }))
  let x = 0
  const colors = ['#2c4bd6', '#0f766e', '#b45309', '#7c3aed', '#be123c', '#0369a1']
  values.forEach((v, i) => {
    const w = total ? (v.profiles / total) * width : 0
    const rect = svg('rect', {
      x,
      y: 0,
      width: Math.max(w, 0),
      height,
      fill: colors[i % colors.length],
    })
    rect.append(svg('title', {}, `${show(v.value)}: ${v.profiles}`))
    bar.append(rect)
    x += w
  })
  return bar
}
/** What a tag's health asks its owner to look at (GET /v1/catalog `health`). */
function healthFlags(health) {
  if (!health) return []
  const flags = []
  if (health.throws)
    flags.push(
      el(
        'div',
        { class: 'small error', title: health.throws.error },
        `throws for ${profiles(health.throws.profiles)}`,
      ),
    )
  if (health.neverHeld) flags.push(el('div', { class: 'small muted' }, 'never held'))
  if (health.nearlyEveryone)
    flags.push(el('div', { class: 'small muted' }, 'held by nearly everyone'))
  if (health.unchangedFor30Days)
    flags.push(el('div', { class: 'small muted' }, 'unchanged for 30 days'))
  return flags
}
function renderCatalog() {
  const body = $('#catalog-body')
  if (!catalog) return
  const total = catalog.profiles
  $('#catalog-summary').textContent =
    `${catalog.tags.length} tags, ${catalog.metrics.length} metrics, ${profiles(total)} · rules version ${catalog.rulesVersion}`
  const groups = new Map()
  for (const tag of catalog.tags) {
    const category = tag.category ?? 'uncategorized'
    if (!groups.has(category)) groups.set(category, [])
    groups.get(category).push(tag)
  }
  body.replaceChildren(
    ...[...groups.entries()].map(([category, tags]) => {
      const rows = tags.map((tag) =>
        el(
          'tr',
          { class: tag.deprecated ? 'deprecated' : undefined },
          el(
            'th',
            { scope: 'row' },
            el('code', {}, tag.id),
            el('div', { class: 'muted small' }, tag.name ?? ''),
          ),
          el(
            'td',
            {},
            // `deprecated` is a status: one pill says it.
            el('span', { class: `pill ${tag.status}` }, tag.status),
            ...healthFlags(tag.health),
          ),
          el(
            'td',
            {},
            tag.kind,
            el(
              'div',
              { class: 'muted small' },
              tag.evaluates === 'device' ? 'device + edge' : 'edge',
            ),
          ),
          el('td', {}, tag.owner ?? '—'),
          el(
            'td',
            {},
            coverageBar(tag, total),
            sparkline(tag),
            el(
              'div',
              { class: 'small' },
              [
                profiles(tag.coverage.profiles),
                tag.coverage.values
                  .slice(0, 4)
                  .map((v) => `${show(v.value)} ${v.profiles}`)
                  .join(', '),
              ]
                .filter(Boolean)
                .join(' · '),
            ),
          ),
          el('td', { class: 'small' }, when(tag.lastChangeAt)),
        ),
      )
      return el(
        'div',
        { class: 'group' },
        el('h3', {}, catalog.categories?.[category] ?? category),
        el(
          'table',
          {},
          tableHead(['Tag', 'Status', 'Kind', 'Owner', 'Coverage', 'Last change']),
          el('tbody', {}, ...rows),
        ),
      )
    }),
  )
}
async function loadCatalog() {
  const result = await api('/v1/catalog')
  if (!result.ok) {
    $('#catalog-body').replaceChildren(
      el(
        'p',
        { class: 'muted' },
        `The catalog is not available (${result.body?.error ?? result.status}).`,
      ),
    )
    return
  }
  catalog = result.body
  const history = await api('/v1/catalog/history?days=90')
  histories = history.ok ? history.body.tags : {}
  renderCatalog()
  fillTagOptions()
}
$('#catalog-refresh').addEventListener('click', loadCatalog)

// ——— profiles ———
async function explainInto(profile, tag, target) {
  const result = await api(
    `/v1/profiles/${encodeURIComponent(profile)}/explain/${encodeURIComponent(tag)}`,
  )
  target.textContent = result.ok
    ? JSON.stringify(result.body, null, 2)
    : (result.body?.error ?? `HTTP ${result.status}`)
  target.hidden = false
}
async function lookUp(id) {
  const body = $('#profile-body')
  const result = await api(`/v1/profiles/${encodeURIComponent(id)}`)
  if (!result.ok) {
    body.replaceChildren(el('p', { class: 'muted' }, result.body?.error ?? `No profile ${id}.`))
    return
  }
  const p = result.body
  const tagRows = Object.entries(p.tags).map(([tag, value]) => {
    const why = el('button', { type: 'button', class: 'link' }, 'why?')
    const out = el('pre', { class: 'code', hidden: true, tabindex: '0' })
    why.addEventListener('click', () => explainInto(p.profile, tag, out))
    return el('li', {}, el('code', {}, tag), ' = ', el('strong', {}, show(value)), ' ', why, out)
  })
  const history = p.tagHistory
    .slice()
    .reverse()
    .map((h) =>
      el(
        'li',
        {},
        el('time', { datetime: new Date(h.at).toISOString() }, when(new Date(h.at).toISOString())),
        ' ',
        el('code', {}, h.tag),
        `: ${show(h.from)} → ${show(h.to)}`,
      ),
    )
  const events = p.events.map((e) =>
    el(
      'li',
      {},
      el('time', {}, when(e.timestamp)),
      ' ',
      el('strong', {}, e.type === 'track' ? e.event : e.type),
      ' ',
      el('span', { class: 'muted small' }, e.context?.page?.path ?? e.properties?.path ?? ''),
    ),
  )
  body.replaceChildren(
    el(
      'h3',
      {},
      p.profile,
      p.aliases.length
        ? el('span', { class: 'muted small' }, `  (merged: ${p.aliases.join(', ')})`)
        : undefined,
    ),
    el(
      'div',
      { class: 'columns' },
      el(
        'div',
        {},
        el('h4', {}, 'Tags'),
        el('ul', { class: 'plain' }, ...tagRows),
        el('h4', {}, 'Traits'),
        el('pre', { class: 'code', tabindex: '0' }, JSON.stringify(p.traits, null, 2)),
      ),
      el(
        'div',
        {},
        el('h4', {}, 'Tag history'),
        el('ol', { class: 'plain' }, ...(history.length ? history : [el('li', {}, 'none yet')])),
      ),
      el(
        'div',
        {},
        el('h4', {}, `Latest events (${p.events.length})`),
        el('ol', { class: 'plain timeline' }, ...events),
      ),
    ),
  )
}
$('#profile-form').addEventListener('submit', (event) => {
  event.preventDefault()
  const id = $('#profile-id').value.trim()
  if (id) {
    history.replaceState(null, '', `#profiles=${encodeURIComponent(id)}`)
    lookUp(id)
  }
})

// ——— live feed ———
let feedCursor
const feed = []
function renderFeedChart() {
  // Changes per minute over the last 30 minutes of the feed.
  const now = Date.now()
  const buckets = new Array(30).fill(0)
  for (const c of feed) {
    const age = Math.floor((now - Date.parse(c.at)) / 60_000)
    if (age >= 0 && age < 30) buckets[29 - age]++
  }
  const max = Math.max(1, ...buckets)
  const chart = svg('svg', {
    width: 300,
    height: 48,
    viewBox: '0 0 300 48',
    role: 'img',
    'aria-label': `tag changes per minute, last 30 minutes: ${buckets.reduce((a, b) => a + b, 0)} in all`,
  })
  buckets.forEach((n, i) =>
    chart.append(
      svg('rect', {
        x: i * 10 + 1,
        y: 48 - (n / max) * 46,
        width: 8,
        height: (n / max) * 46,
        fill: '#2c4bd6',
      }),
    ),
  )
  $('#feed-chart').replaceChildren(chart)
}
async function pollFeed() {
  const query = feedCursor === undefined ? '?limit=50' : `?after=${feedCursor}&limit=200`
  const result = await api(`/v1/changes${query}`)
  if (!result.ok) {
    if (feedCursor === undefined)
      $('#feed-list').replaceChildren(
        el(
          'li',
          { class: 'muted' },
          `The feed is not available (${result.body?.error ?? result.status}).`,
        ),
      )
    return
  }
  // Fallen behind the log (it keeps the latest 10,000 changes): a live view jumps to the latest.
  if (result.body.trimmed) feedCursor = undefined
  else feedCursor = result.body.cursor ?? feedCursor ?? 0
  if (!result.body.changes.length && feed.length) return
  feed.push(...result.body.changes)
  feed.splice(0, Math.max(0, feed.length - 200))
  $('#feed-list').replaceChildren(
    ...feed
      .slice()
      .reverse()
      .slice(0, 50)
      .map((c) => {
        const who = el('a', { href: `#profiles=${encodeURIComponent(c.profile)}` }, c.profile)
        who.addEventListener('click', () => {
          $('#profile-id').value = c.profile
          lookUp(c.profile)
        })
        return el(
          'li',
          {},
          el('time', {}, new Date(c.at).toLocaleTimeString()),
          ' ',
          who,
          ' ',
          el('code', {}, c.tag),
          `: ${show(c.from)} → ${show(c.to)}`,
        )
      }),
  )
  if (!feed.length)
    $('#feed-list').replaceChildren(
      el(
        'li',
        { class: 'muted' },
        'No tag changes yet. Browse the shop or run npm run demo:traffic.',
      ),
    )
  renderFeedChart()
}

// ——— audiences ———
const OPERATORS = [
  ['has', 'has the tag'],
  ['not', 'does not have the tag'],
  ['==', 'equals'],
  ['!=', 'differs from'],
  ['>=', 'is at least'],
  ['<', 'is below'],
]
function fillTagOptions() {
  for (const select of document.querySelectorAll('.condition-tag')) {
    const current = select.value || select.dataset.want
    select.replaceChildren(...(catalog?.tags ?? []).map((t) => el('option', { value: t.id }, t.id)))
    if (current) select.value = current
  }
}
let conditionCount = 0
function addCondition(tag, op = 'has', value = '') {
  const n = ++conditionCount
  const row = el(
    'li',
    { class: 'condition' },
    el('label', { for: `c-tag-${n}`, class: 'sr-only' }, 'Tag'),
    el('select', { id: `c-tag-${n}`, class: 'condition-tag' }),
    el('label', { for: `c-op-${n}`, class: 'sr-only' }, 'Condition'),
    el(
      'select',
      { id: `c-op-${n}`, class: 'condition-op' },
      ...OPERATORS.map(([v, label]) => el('option', { value: v }, label)),
    ),
    el('label', { for: `c-value-${n}`, class: 'sr-only' }, 'Value'),
    el('input', {
      id: `c-value-${n}`,
      class: 'condition-value',
      placeholder: 'value (for equals / thresholds)',
    }),
  )
  const remove = el('button', { type: 'button', class: 'link' }, 'remove')
  remove.addEventListener('click', () => row.remove())
  row.append(remove)
  $('#conditions').append(row)
  fillTagOptions()
  if (tag) {
    $('.condition-tag', row).dataset.want = tag
    $('.condition-tag', row).value = tag
  }
  $('.condition-op', row).value = op
  $('.condition-value', row).value = value
}
const literal = (text) => {
  if (text === 'true' || text === 'false') return text === 'true'
  return text !== '' && !Number.isNaN(Number(text)) ? Number(text) : text
}
function where() {
  const parts = [...document.querySelectorAll('.condition')].map((row) => {
    const tag = { var: `tags.${$('.condition-tag', row).value}` }
    const op = $('.condition-op', row).value
    const value = literal($('.condition-value', row).value.trim())
    if (op === 'has') return { '!!': [tag] }
    if (op === 'not') return { '!': [tag] }
    return { [op]: [tag, value] }
  })
  if (parts.length === 1) return parts[0]
  return { [$('#audience-join').value]: parts }
}
async function runAudience(cursor) {
  const query = where()
  if (!query) return
  $('#audience-where').textContent = JSON.stringify(query)
  const result = await api('/v1/audiences/query', {
    method: 'POST',
    body: { where: query, limit: 50, ...(cursor ? { cursor } : {}) },
  })
  const out = $('#audience-result')
  if (!result.ok) {
    out.replaceChildren(
      el(
        'p',
        { class: 'error' },
        result.body?.error ?? `Audiences are not available (${result.status}).`,
      ),
    )
    return
  }
  const { count, profiles, cursor: next } = result.body
  const more = el('button', { type: 'button', hidden: !next }, 'Next page')
  more.addEventListener('click', () => runAudience(next))
  out.replaceChildren(
    el('p', { class: 'big' }, el('strong', {}, String(count)), ` profile${count === 1 ? '' : 's'}`),
    el(
      'ul',
      { class: 'plain members' },
      ...profiles.map((p) => {
        const link = el('a', { href: `#profiles=${encodeURIComponent(p.id)}` }, p.id)
        link.addEventListener('click', () => {
          $('#profile-id').value = p.id
          lookUp(p.id)
        })
        return el(
          'li',
          {},
          link,
          el(
            'span',
            { class: 'muted small' },
            ' ' +
              Object.entries(p.tags)
                .slice(0, 5)
                .map(([t, v]) => `${t}=${show(v)}`)
                .join(' · '),
          ),
        )
      }),
    ),
    more,
  )
}
$('#add-condition').addEventListener('click', () => addCondition())
$('#audience-form').addEventListener('submit', (event) => {
  event.preventDefault()
  runAudience()
})

// ——— rules editor ———
let rulesEtag = null
async function loadRules() {
  // Until the answer is in, the editor holds the previous version: say so (and a test waiting
  // for "active version" waits for this load, not an earlier one).
  $('#rules-version').textContent = 'loading the rules in force…'
  const result = await api('/v1/rules', { admin: false })
  if (!result.ok) {
    $('#rules-result').replaceChildren(
      el('p', { class: 'error' }, result.body?.error ?? `HTTP ${result.status}`),
    )
    return
  }
  rulesEtag = result.headers.get('etag')
  $('#rules-text').value = JSON.stringify(result.body, null, 2)
  $('#rules-version').textContent = `active version ${rulesEtag}`
  previewedText = null
  offerPublish()
  loadVersions()
}
/** The text the last preview was of: Publish is offered for exactly that text. */
let previewedText = null
const offerPublish = () => {
  $('#rules-publish').disabled = previewedText === null || previewedText !== $('#rules-text').value
}
function showProblems(result) {
  $('#rules-result').replaceChildren(
    el('p', { class: 'error' }, result.body?.error ?? `HTTP ${result.status}`),
    el(
      'ul',
      { class: 'problems' },
      ...(result.body?.problems ?? []).map((p) =>
        el('li', {}, el('code', {}, p.path || '/'), ` ${p.message}`),
      ),
    ),
  )
}
/** A bar of `n` of `total` profiles, in `color`. */
function countBar(n, total, color, label) {
  const width = 120
  const bar = svg('svg', {
    width,
    height: 12,
    viewBox: `0 0 ${width} 12`,
    role: 'img',
    'aria-label': label,
  })
  bar.append(svg('rect', { x: 0, y: 0, width, height: 12, rx: 3, fill: '#e5e7eb' }))
  bar.append(
    svg('rect', {
      x: 0,
      y: 0,
      width: total ? (n / total) * width : 0,
      height: 12,
      rx: 3,
      fill: color,
    }),
  )
  return bar
}
function renderPreview(result) {
  const total = result.profiles ?? 0
  const rows = Object.entries(result.tags ?? {}).sort(
    ([, a], [, b]) => b.gained + b.lost + b.changed - (a.gained + a.lost + a.changed),
  )
  $('#rules-result').replaceChildren(
    el('p', { class: 'ok' }, `Preview over ${profiles(total)}: nothing is published yet.`),
    el(
      'table',
      { id: 'preview-table' },
      tableHead(['tag', 'before', 'after', 'gained', 'lost', 'changed']),
      el(
        'tbody',
        {},
        ...rows.map(([tag, c]) =>
          el(
            'tr',
            {},
            el('th', { scope: 'row' }, tag),
            el('td', {}, String(c.before)),
            el('td', {}, String(c.after)),
            el(
              'td',
              {},
              countBar(c.gained, total, '#0f766e', `${c.gained} gained`),
              ` ${c.gained}`,
            ),
            el('td', {}, countBar(c.lost, total, '#be123c', `${c.lost} lost`), ` ${c.lost}`),
            el('td', {}, String(c.changed)),
          ),
        ),
      ),
    ),
  )
}
async function previewRules() {
  const text = $('#rules-text').value
  try {
    JSON.parse(text)
  } catch (error) {
    $('#rules-result').replaceChildren(el('p', { class: 'error' }, `Not JSON: ${error.message}`))
    return
  }
  previewedText = null
  offerPublish()
  const out = $('#rules-result')
  const progress = el('progress', { max: 1, value: 0, 'aria-label': 'Preview progress' })
  out.replaceChildren(el('p', { class: 'muted' }, 'Previewing… '), progress)
  let result = await api('/v1/rules/preview', { method: 'POST', body: text })
  if (!result.ok) return showProblems(result)
  // A large directory is previewed in the background: follow it.
  while (result.ok && result.body.state === 'running') {
    progress.max = Math.max(result.body.total ?? 1, 1)
    progress.value = result.body.processed ?? 0
    await new Promise((resolve) => setTimeout(resolve, 1000))
    result = await api(`/v1/rules/preview/${encodeURIComponent(result.body.id)}`)
  }
  if (!result.ok || result.body.state !== 'done') return showProblems(result)
  renderPreview(result.body)
  previewedText = text
  offerPublish()
}
async function loadVersions() {
  const result = await api('/v1/rules/versions')
  if (!result.ok) return
  const list = $('#rules-versions')
  // A rollback publishes a version again: the list (newest first) then holds it twice, and only
  // its latest publication is the active one.
  let activeSeen = false
  list.replaceChildren(
    ...result.body.versions.slice(0, 20).map((v) => {
      const item = el('li', {}, el('code', {}, v.version), ` published ${v.publishedAt} `)
      if (`"${v.version}"` === rulesEtag) {
        item.append(
          el('span', { class: 'muted' }, activeSeen ? '(published again since)' : '(active)'),
        )
        activeSeen = true
      } else {
        const compare = el('button', { type: 'button', class: 'link' }, 'Compare with active')
        compare.addEventListener('click', () => compareWithActive(v.version))
        const back = el('button', { type: 'button' }, 'Roll back to this version')
        back.addEventListener('click', () => rollBack(v.version))
        item.append(compare, ' ', back)
      }
      return item
    }),
  )
}
/** What changed between two rules documents, section by section: added, removed, changed ids. */
function diffSection(before = {}, after = {}) {
  const ids = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()
  return ids.flatMap((id) => {
    if (!(id in before)) return [{ id, how: 'added', to: after[id] }]
    if (!(id in after)) return [{ id, how: 'removed', from: before[id] }]
    const from = JSON.stringify(before[id])
    const to = JSON.stringify(after[id])
    return from === to ? [] : [{ id, how: 'changed', from: before[id], to: after[id] }]
  })
}
async function compareWithActive(version) {
  const [old, active] = await Promise.all([
    api(`/v1/rules/versions/${encodeURIComponent(version)}`),
    api('/v1/rules', { admin: false }),
  ])
  if (!old.ok) return showProblems(old)
  if (!active.ok) return showProblems(active)
  const sections = ['metrics', 'tags'].map((section) => ({
    section,
    changes: diffSection(old.body[section], active.body[section]),
  }))
  const list = (changes) =>
    el(
      'ul',
      {},
      ...changes.map((c) =>
        el(
          'li',
          { class: c.how },
          el('code', {}, c.id),
          ` ${c.how}`,
          c.how === 'changed'
            ? el('pre', {}, `- ${JSON.stringify(c.from)}\n+ ${JSON.stringify(c.to)}`)
            : '',
        ),
      ),
    )
  $('#rules-result').replaceChildren(
    el('h3', {}, `Version ${version} → active ${rulesEtag}`),
    el(
      'div',
      { id: 'rules-diff' },
      ...sections.map(({ section, changes }) =>
        el(
          'section',
          {},
          el('h4', {}, `${section}: ${changes.length ? `${changes.length} changed` : 'no change'}`),
          changes.length ? list(changes) : '',
        ),
      ),
    ),
  )
}
async function rollBack(version) {
  const result = await api('/v1/rules/rollback', { method: 'POST', body: { version } })
  if (!result.ok) return showProblems(result)
  $('#rules-result').replaceChildren(
    el(
      'p',
      { class: 'ok' },
      `Rolled back to version ${version}. Profiles use it from their next event.`,
    ),
  )
  await loadRules()
  loadCatalog()
}
async function publishRules() {
  const text = $('#rules-text').value
  try {
    JSON.parse(text)
  } catch (error) {
    $('#rules-result').replaceChildren(el('p', { class: 'error' }, `Not JSON: ${error.message}`))
    return
  }
  const result = await api('/v1/rules', {
    method: 'PUT',
    body: text,
    headers: rulesEtag ? { 'if-match': rulesEtag } : {},
  })
  const out = $('#rules-result')
  if (result.ok) {
    rulesEtag = result.headers.get('etag')
    $('#rules-version').textContent = `active version ${rulesEtag}`
    previewedText = null
    offerPublish()
    loadVersions()
    out.replaceChildren(
      el(
        'p',
        { class: 'ok' },
        `Published version ${rulesEtag}. Profiles use it from their next event.`,
      ),
    )
    loadCatalog()
    return
  }
  showProblems(result)
}
$('#rules-load').addEventListener('click', loadRules)
$('#rules-preview').addEventListener('click', previewRules)
$('#rules-publish').addEventListener('click', publishRules)
$('#rules-text').addEventListener('input', offerPublish)

// ——— start ———
function refreshAll() {
  status('')
  loadCatalog()
  loadRules()
  feedCursor = undefined
  feed.length = 0
  pollFeed()
}
addCondition('lifecycle_stage', '==', 'growing')
refreshAll()
setInterval(pollFeed, 3000)
const linked = /^#profiles=(.+)$/.exec(location.hash)
if (linked) {
  $('#profile-id').value = decodeURIComponent(linked[1])
  lookUp(decodeURIComponent(linked[1]))
}
