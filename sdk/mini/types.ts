// The page side of mini-program runtimes, as WeChat, Alipay and Douyin share it: a page instance
// with its route, `Page()` options and `Component()` options with the page hooks they may carry.

/**
 * A page instance (`this` in its hooks; an entry of `getCurrentPages()`). Alipay keeps `route` on
 * the prototype and has no `options`: the query comes from `onLoad`.
 */
export interface PageInstance {
  route?: string
  options?: Record<string, string | undefined>
}

/** `Page()` options, or a page component's `methods`: hooks by name, anything else. */
export type PageHooks = Record<string, unknown>

/** `Component()` options (WeChat, Douyin): a component used as a page has its hooks in `methods`. */
export type ComponentOptions = Record<string, unknown> & {
  methods?: PageHooks
  behaviors?: unknown[]
}

/** The global `Page` constructor. */
export type PageConstructor = (options: PageHooks) => unknown

/** The global `Component` constructor. */
export type ComponentConstructor = (options: ComponentOptions) => unknown
