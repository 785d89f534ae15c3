import type { Platform } from '../core/platform.ts'
import { useRandomBytes } from '../core/uuid.ts'
import { base64 } from './base64.ts'
import type { MiniHost } from './host.ts'
import { miniRandom } from './random.ts'
import { queuedRequest } from './request.ts'
import { miniBackup, miniStore } from './storage.ts'

/** A mini-program's {@link Platform} plus the app state its capture layer keeps current. */
export interface MiniPlatform extends Platform {
  /** The app came to the foreground (`true`) or went to the background. */
  _setVisible(visible: boolean): void
  /** The network came back (`true`) or went away. */
  _setOnline(online: boolean): void
}

/**
 * The {@link Platform} over a mini-program runtime: its synchronous storage, its request API,
 * no beacon (leaving flushes instead: requests outlive the app going to the background by a few
 * seconds), ids from its `getRandomValues` where it has one (for the whole app: ids are made in
 * one module). The app counts as visible until told otherwise.
 */
export function miniPlatform(
  host: MiniHost,
  context: () => Record<string, unknown>,
  log: (...args: unknown[]) => void,
): MiniPlatform {
  let visible = true
  let online = true
  const random = miniRandom(host.getRandomValues, log)
  useRandomBytes(random.bytes)
  return {
    _store: miniStore(host.storage, host.maxKeyBytes, log),
    _backup: miniBackup(host.storage, log),
    _request: queuedRequest(host.send),
    _randomReady: random.ready,
    _online: () => online,
    _visible: () => visible,
    _context: context,
    _base64: base64,
    _setVisible: (value) => void (visible = value),
    _setOnline: (value) => void (online = value),
  }
}
