// The few things the SDK core needs from its host. The browser implements them in
// `sdk/browser/platform.ts`, the mini-program adapters in `sdk/mini/platform.ts`; both reuse
// everything else.

/**
 * A small async key-value store (IndexedDB in browsers, `wx` storage in mini-programs). What it
 * reads is `unknown`: the formats' readers (stored-formats.ts) check it.
 */
export interface Store {
  get(key: string): Promise<unknown>
  set(key: string, value: unknown): Promise<void>
  del(key: string): Promise<void>
  /** Reads and writes `key` in one step, so pages sharing the store (tabs) do not undo each other. */
  update(key: string, fn: (old: unknown) => unknown): Promise<void>
}

/** The parts of a `fetch` `Response` the SDK reads. */
export interface HttpResponse {
  status: number
  headers: { get(name: string): string | null }
  json(): Promise<unknown>
}

/** One HTTP request; `body` is JSON text. */
export interface HttpRequest {
  method: 'GET' | 'POST'
  headers?: Record<string, string>
  body?: string
  /** Let the request outlive the page (fetch `keepalive`). */
  keepalive?: boolean
}

/** Host services the core runs on; every member must be safe to call (errors become rejections). */
export interface Platform {
  _store: Store
  _request(url: string, init: HttpRequest): Promise<HttpResponse>
  /** Fire-and-forget delivery while the page goes away; `false` when it could not be queued. Without it, leaving flushes. */
  _beacon?(url: string, body: string): boolean
  /**
   * A small synchronous store for the last moment of a page (`pagehide`), when an asynchronous
   * write may be cut off by the navigation (IndexedDB transactions of an unloading page can be
   * aborted), and for the events made before the instance is ready, which are in no store yet.
   * Mini-programs give their synchronous storage. `take` reads and removes a value (`null` or
   * `undefined`: none).
   */
  _backup?: { write(key: string, value: unknown): void; take(key: string): unknown }
  /**
   * Resolves once ids can be made from secure random bytes, on hosts where those come
   * asynchronously (mini-programs: `wx.getRandomValues`); a new person's ids wait for it.
   */
  _randomReady?: Promise<void>
  /**
   * Makes consent the site's where several of its pages can be open at once (browser tabs):
   * returns how this page decides; `apply` gets this page's decisions and the other pages'.
   * Absent: this page's decisions are the site's (mini-programs run one page stack; Node has no
   * tabs).
   */
  _shareConsent?(writeKey: string, apply: (granted: boolean) => void): (granted: boolean) => void
  /** `false` when the host knows it is offline. */
  _online(): boolean
  /** Whether the app is in the foreground (time-driven tags only run then). */
  _visible(): boolean
  /** Context merged into every event (`page`, `userAgent`, `locale`...). */
  _context(): Record<string, unknown>
  /**
   * Base64 of a Latin-1 string, like `btoa`; characters above U+00FF keep their low byte (for the
   * write key's HTTP Basic header: browsers have `btoa`, mini-programs get `base64.ts`).
   */
  _base64(text: string): string
}
