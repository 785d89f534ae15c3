import type { WxPage, WxPageInstance, WxPageOptions } from './types.ts'

// The runtime's globals (not imported: they exist in mini-programs only).
declare let Page: WxPage | undefined

/** Page lifecycle moments the mini-program adapter reacts to; `page` is the instance (`this`). */
export interface WxPageHandlers {
  show(page: WxPageInstance): void
  hide(page: WxPageInstance): void
  unload(page: WxPageInstance): void
  /** A share handler returned `result` (`{ path, title... }`); `from` is `'button'` or `'menu'`. */
  share(channel: 'message' | 'timeline', result: unknown, from?: string): void
}

type Hook = (this: WxPageInstance, ...args: unknown[]) => unknown

/**
 * Runs `handler` around the page's own hook `name`: before it for `onShow` (so what the page tracks
 * there belongs to the new screen), after it otherwise (a page's `onUnload` still tracks on its own
 * screen; share handlers give their result). The page's own errors reach the runtime as before.
 */
function hook(
  options: WxPageOptions,
  name: string,
  handler: (page: WxPageInstance, args: unknown[], result: unknown) => void,
): void {
  const own = options[name] as Hook | undefined
  const run = (page: WxPageInstance, args: unknown[], result?: unknown) => {
    try {
      handler(page, args, result)
    } catch {
      // Never break the app's page.
    }
  }
  options[name] = function (this: WxPageInstance, ...args: unknown[]) {
    if (name === 'onShow') run(this, args)
    let result: unknown
    try {
      result = typeof own === 'function' ? own.apply(this, args) : undefined
      return result
    } finally {
      if (name !== 'onShow') run(this, args, result)
    }
  }
}

/**
 * Replaces the global `Page` so that every page registered from now on reports its lifecycle:
 * create the instance before the app's own `Page(...)` calls (in `app.js`, before `App(...)`).
 * Share handlers are wrapped only where the page has them (defining one turns sharing on).
 * Returns `false` when there is no `Page` to wrap.
 */
export function wrapPages(handlers: WxPageHandlers): boolean {
  if (typeof Page !== 'function') return false
  const original = Page
  Page = function (options: WxPageOptions) {
    try {
      if (options && typeof options === 'object') {
        hook(options, 'onShow', (page) => handlers.show(page))
        hook(options, 'onHide', (page) => handlers.hide(page))
        hook(options, 'onUnload', (page) => handlers.unload(page))
        if (typeof options.onShareAppMessage === 'function')
          hook(options, 'onShareAppMessage', (_, [arg], result) =>
            handlers.share('message', result, (arg as { from?: string } | undefined)?.from),
          )
        if (typeof options.onShareTimeline === 'function')
          hook(options, 'onShareTimeline', (_page, _args, result) =>
            handlers.share('timeline', result),
          )
      }
    } catch {
      // Register the page unchanged rather than not at all.
    }
    return original(options)
  }
  return true
}
