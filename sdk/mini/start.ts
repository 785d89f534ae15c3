import type { Json } from '../../rules/index.ts'
import type { Tagwise } from '../core/api.ts'
import { createInstance } from '../core/instance.ts'
import { resolveOptions } from '../core/options.ts'
import { createPageVisits } from '../core/page-visits.ts'
import type { MiniHost } from './host.ts'
import type { MiniOptions } from './options.ts'
import { wrapPages } from './pages.ts'
import { miniPlatform } from './platform.ts'
import type { PageInstance } from './types.ts'

// The runtime's global (not imported: it exists in mini-programs only).
declare const getCurrentPages: (() => (PageInstance | null)[]) | undefined

/** The screen on show: `path` is `'/' + route`, the form `navigateTo` and share paths use. */
interface Screen {
  path: string
  query: Record<string, string>
  referrer: string
}

/** The query as strings (runtimes parse it from the page's URL). */
function queryOf(source: unknown): Record<string, string> {
  const query: Record<string, string> = {}
  if (typeof source === 'object' && source !== null)
    for (const [k, v] of Object.entries(source))
      if (v !== undefined && v !== null) query[k] = String(v)
  return query
}

/**
 * Starts tagwise in a mini-program runtime (the adapters of sdk/wx/, sdk/my/, sdk/tt/ pass theirs
 * as `host`): wraps `Page()` (and `Component()` where pages are built with it) to send a `screen`
 * event each time a page shows and `Page Left` `{ path, dwell_ms }` (foreground time) when it is
 * left, tracks `Share` from share handlers, evaluates session tags on the device and sends every
 * event to the collector through the runtime's request API (persisted in its storage until
 * acknowledged). Throws when the options cannot work (the adapters return an inert instance).
 */
export function startMiniprogram(options: MiniOptions, host: MiniHost): Tagwise {
  const resolved = resolveOptions(options, '')
  if (!resolved.endpoint) throw new Error('pass { endpoint }: the collector URL')
  const log = (...args: unknown[]) => {
    if (resolved.debug) console.debug('[tagwise]', ...args)
  }
  let screen: Screen = { path: '', query: {}, referrer: '' }
  const platform = miniPlatform(host, () => ({ page: { ...screen } }), log)
  const instance = createInstance(resolved, platform)
  const tw = instance._api
  const visits = createPageVisits(resolved.dwell, tw.track)
  /** Each page's query from its `onLoad`: Alipay's page instances do not keep it. */
  const queries = new WeakMap<PageInstance, Record<string, string>>()
  /** The page instance whose visit is open. */
  let current: PageInstance | undefined
  let hiddenAt: number | undefined
  /** The app was in the background for a whole session timeout: the shown page is a new visit. */
  let expired = false

  const leave = () => {
    current = undefined
    visits.leave()
  }
  /** The page on top of the stack (none where the runtime has not put the first page there yet). */
  const topPage = () =>
    typeof getCurrentPages === 'function' ? getCurrentPages().slice(-1)[0] : undefined
  const enter = (page: PageInstance) => {
    // The route as the runtime reports it when the page shows (see MINIPROGRAM.md: the stack during
    // the previous page's onHide is not specified).
    const shown = topPage() ?? page
    const route = shown.route ?? page.route ?? ''
    const query = queries.get(page) ?? queryOf(shown.options)
    screen = { path: `/${route}`, query, referrer: screen.path }
    current = page
    if (resolved.autoPage)
      instance._record({ type: 'screen', name: route, properties: { path: screen.path, query } })
    visits.enter(screen.path, true)
  }

  const show = (page: PageInstance) => {
    if (page === current && !expired) visits.visibility(true)
    else {
      leave()
      enter(page)
    }
    expired = false
  }

  wrapPages(
    {
      load(page, query) {
        queries.set(page, queryOf(query))
      },
      show,
      hide(page) {
        if (page === current) visits.visibility(false)
      },
      unload(page) {
        if (page === current) leave()
      },
      share(channel, result, from) {
        const properties: Record<string, Json> = { path: screen.path, channel }
        if (from) properties.from = from
        const target = (result as { path?: unknown } | undefined)?.path
        if (typeof target === 'string') properties.share_path = target
        tw.track('Share', properties)
      },
    },
    host.componentPages,
  )
  // A framework that kept the runtime's `Page`/`Component` before they were wrapped registers
  // pages whose hooks never report: the end of each route still shows which page is on top (a
  // page the hooks reported is the open visit already, so nothing is counted twice).
  host.onAppRoute?.(() => {
    const top = topPage()
    if (top && top !== current) show(top)
  })
  host.onAppHide(() => {
    // Pauses the visit's dwell here too: a page whose hooks do not report has no onHide.
    visits.visibility(false)
    hiddenAt = Date.now()
    platform._setVisible(false)
    instance._visibility(false)
  })
  host.onAppShow(() => {
    expired =
      hiddenAt !== undefined && Date.now() - hiddenAt >= resolved.sessionTimeoutMinutes * 60_000
    hiddenAt = undefined
    visits.visibility(true)
    platform._setVisible(true)
    instance._visibility(true)
  })
  host.onNetworkStatusChange(({ isConnected }) => {
    platform._setOnline(isConnected)
    if (isConnected) instance._online()
  })
  return tw
}
