import type {
  ComponentConstructor,
  ComponentOptions,
  PageConstructor,
  PageHooks,
  PageInstance,
} from './types.ts'

// The runtime's globals (not imported: they exist in mini-programs only).
declare let Page: PageConstructor | undefined
declare let Component: ComponentConstructor | undefined

/** Page lifecycle moments the adapter reacts to; `page` is the instance (`this`). */
export interface PageHandlers {
  /** The page loaded with `query` (Alipay's page instances do not keep it). */
  load(page: PageInstance, query: unknown): void
  show(page: PageInstance): void
  hide(page: PageInstance): void
  unload(page: PageInstance): void
  /** A share handler returned `result` (`{ path, title... }`); `from` is `'button'` or `'menu'`. */
  share(channel: 'message' | 'timeline', result: unknown, from?: string): void
}

type Hook = (this: PageInstance, ...args: unknown[]) => unknown

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null

/**
 * Runs `handler` around the hook `name` of `hooks`: before the page's own for `onShow` (so what
 * the page tracks there belongs to the new screen), after it otherwise (a page's `onUnload` still
 * tracks on its own screen; share handlers give their result). The page's own errors reach the
 * runtime as before. Where the page has no such hook, one is added only if `add`.
 */
function hook(
  hooks: PageHooks,
  name: string,
  add: boolean,
  handler: (page: PageInstance, args: unknown[], result: unknown) => void,
): void {
  const own = hooks[name]
  if (typeof own !== 'function' && !add) return
  const run = (page: PageInstance, args: unknown[], result?: unknown) => {
    try {
      handler(page, args, result)
    } catch {
      // Never break the app's page.
    }
  }
  hooks[name] = function (this: PageInstance, ...args: unknown[]) {
    if (name === 'onShow') run(this, args)
    let result: unknown
    try {
      result = typeof own === 'function' ? (own as Hook).apply(this, args) : undefined
      return result
    } finally {
      if (name !== 'onShow') run(this, args, result)
    }
  }
}

/**
 * A copy of `hooks` (`Page()` options, or a page component's `methods`) with the lifecycle
 * hooks reporting to `handlers`; lifecycle hooks the page lacks are added where `addMissing`.
 * Share handlers are wrapped only where the page has them (defining one turns sharing on).
 */
function reporting(hooks: PageHooks, handlers: PageHandlers, addMissing: boolean): PageHooks {
  const copy = { ...hooks }
  hook(copy, 'onLoad', addMissing, (page, [query]) => handlers.load(page, query))
  hook(copy, 'onShow', addMissing, (page) => handlers.show(page))
  hook(copy, 'onHide', addMissing, (page) => handlers.hide(page))
  hook(copy, 'onUnload', addMissing, (page) => handlers.unload(page))
  hook(copy, 'onShareAppMessage', false, (_page, [arg], result) => {
    const from = isRecord(arg) && typeof arg.from === 'string' ? arg.from : undefined
    handlers.share('message', result, from)
  })
  hook(copy, 'onShareTimeline', false, (_page, _args, result) => handlers.share('timeline', result))
  return copy
}

/**
 * Replaces the global `Page` (and `Component`, where the runtime builds pages with it) so that
 * every page registered from now on reports its lifecycle: create the instance before the app's
 * own `Page(...)`/`Component(...)` calls (in `app.js`, before `App(...)`). Returns `false` when
 * there is no `Page` to wrap.
 *
 * A page built with `Component()` has its page hooks in `methods`; the runtime calls them on
 * pages only, never on the custom components inside a page, so adding them to every component
 * captures pages and nothing else (a component's `pageLifetimes.show` runs for every component of
 * the page shown: it is not used). A component with `behaviors` only gets its own hooks wrapped:
 * a hook added there would override a page hook a behavior defines.
 */
export function wrapPages(handlers: PageHandlers, componentPages: boolean): boolean {
  if (typeof Page !== 'function') return false
  const page = Page
  Page = function (options: PageHooks) {
    let registered = options
    try {
      if (isRecord(options)) registered = reporting(options, handlers, true)
    } catch {
      // Register the page unchanged rather than not at all.
    }
    return page(registered)
  }
  if (componentPages && typeof Component === 'function') {
    const component = Component
    Component = function (options: ComponentOptions) {
      let registered = options
      try {
        if (isRecord(options)) {
          const methods = isRecord(options.methods) ? options.methods : {}
          const behaviors = Array.isArray(options.behaviors) && options.behaviors.length > 0
          registered = { ...options, methods: reporting(methods, handlers, !behaviors) }
        }
      } catch {
        // Register the component unchanged rather than not at all.
      }
      return component(registered)
    }
  }
  return true
}
