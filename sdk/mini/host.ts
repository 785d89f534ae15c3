// What the shared mini-program layer needs from one runtime (WeChat `wx`, Alipay `my`, Douyin
// `tt`): each adapter (sdk/wx/, sdk/my/, sdk/tt/) maps its runtime's API onto these shapes, so the
// capture, queue, storage bounds and ids are written once.
import type { HttpRequest, HttpResponse } from '../core/platform.ts'

/** How one request ended: an HTTP answer (any status) or a failure without one. */
export interface RequestReply {
  response(response: HttpResponse): void
  failure(error: Error): void
}

/** A request the runtime is running; `abort` cancels it (the runtimes' `RequestTask`). */
export interface RequestTask {
  abort?(): void
}

/**
 * Sends one request through the runtime and reports how it ended through `reply`, exactly once
 * or not at all (the caller's own timeout covers a runtime that never answers).
 */
export type SendRequest = (
  url: string,
  init: HttpRequest,
  reply: RequestReply,
) => RequestTask | undefined | void

/** The runtime's synchronous storage; `set` throws when the runtime refuses the value. */
export interface SyncStorage {
  get(key: string): unknown
  set(key: string, value: unknown): void
  remove(key: string): void
}

/** `getRandomValues` as WeChat (base library 2.15.0+) and Douyin (2.87.0+) have it. */
export type GetRandomValues = (option: {
  length: number
  success?(result: { randomValues: ArrayBuffer }): void
  fail?(error: unknown): void
  complete?(): void
}) => void

/** One mini-program runtime, as the shared layer uses it. */
export interface MiniHost {
  send: SendRequest
  storage: SyncStorage
  /** Bytes one storage key may hold (the runtime refuses larger values). */
  maxKeyBytes: number
  /** Secure random bytes, where the runtime has them; without, ids come from `Math.random`. */
  getRandomValues?: GetRandomValues
  /** Listens to the app coming to the foreground (nothing where the runtime cannot tell). */
  onAppShow(listener: () => void): void
  /** Listens to the app going to the background (nothing where the runtime cannot tell). */
  onAppHide(listener: () => void): void
  /** Listens to the network coming and going (nothing where the runtime cannot tell). */
  onNetworkStatusChange(listener: (result: { isConnected: boolean }) => void): void
  /**
   * Listens to the end of each route (launch, navigation, back), the new page shown and on top of
   * `getCurrentPages()`, where the runtime tells (WeChat from base library 3.5.5: `onAppRoute`).
   * It finds the pages of a framework that registered them through a `Page`/`Component` it kept
   * before tagwise wrapped them.
   */
  onAppRoute?(listener: () => void): void
  /**
   * Whether the runtime builds pages with `Component()` too (WeChat, Douyin: page hooks in
   * `methods`), so the global `Component` is wrapped as well as `Page`.
   */
  componentPages: boolean
}
