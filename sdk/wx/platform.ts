import { base64 } from './base64.ts'
import type { Platform } from '../core/platform.ts'
import { useRandomBytes } from '../core/uuid.ts'
import { wxRandom } from './random.ts'
import { wxRequest } from './request.ts'
import { wxStore } from './storage.ts'
import type { WxApi } from './types.ts'

/** The mini-program's {@link Platform} plus the app state its capture layer keeps current. */
export interface WxPlatform extends Platform {
  /** The app came to the foreground (`true`) or went to the background. */
  _setVisible(visible: boolean): void
  /** The network came back (`true`) or went away. */
  _setOnline(online: boolean): void
}

/**
 * The {@link Platform} over `wx`: storage through `wx.*StorageSync`, transport through
 * `wx.request`, no beacon (leaving flushes instead: requests outlive the app going to the
 * background by a few seconds), ids from `wx.getRandomValues` (for the whole app: ids are made
 * in one module). The app counts as visible until told otherwise.
 */
export function wxPlatform(
  wx: WxApi,
  context: () => Record<string, unknown>,
  log: (...args: unknown[]) => void,
): WxPlatform {
  let visible = true
  let online = true
  const random = wxRandom(wx, log)
  useRandomBytes(random.bytes)
  return {
    _store: wxStore(wx, log),
    _request: wxRequest(wx),
    _randomReady: random.ready,
    _online: () => online,
    _visible: () => visible,
    _context: context,
    _base64: base64,
    _setVisible: (value) => void (visible = value),
    _setOnline: (value) => void (online = value),
  }
}
