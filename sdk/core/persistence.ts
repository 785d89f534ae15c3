import type { Identity } from './identity.ts'
import type { Platform } from './platform.ts'
import {
  isCachedRules,
  isDurableTags,
  isStateSnapshot,
  readBackup,
  readIdentity,
  RECORD_NAMES,
  storageKey,
  type CachedRules,
  type DurableTags,
  type PageBackup,
  type StateSnapshot,
  type StoredFormats,
} from './stored-formats.ts'

/** What a page starts from: the stored records, or the backup a page left when it is newer. */
export interface Restored {
  identity: Identity | undefined
  /** The identity comes from the backup: the store must get it (and other tabs take it). */
  fromBackup: boolean
  durable: DurableTags | undefined
  snapshot: StateSnapshot | undefined
  rules: CachedRules | undefined
}

/** The instance's records in the platform's store and backup (formats: stored-formats.ts). */
export interface Persistence {
  _restore(): Promise<Restored>
  /**
   * Writes the page's records to the store; `renamed`: identify/alias/reset changed who this is
   * since the last save.
   */
  _save(records: PageBackup, renamed: boolean): void
  _saveRules(rules: CachedRules): void
  /** Forgets the device state (a new person). */
  _deleteState(): void
  /** The page goes away: its newest records go to the synchronous backup. */
  _writeBackup(records: PageBackup): void
  /** Deletes every record (consent withdrawn), from the store and from the backup. */
  _erase(): void
}

/** The records of the instance of `writeKey`, each under `<writeKey>:<name>`. */
export function createPersistence(platform: Platform, writeKey: string): Persistence {
  const { _store: store, _backup: backup } = platform
  const key = (name: keyof StoredFormats) => storageKey(writeKey, name)
  return {
    async _restore() {
      const [user, durable, snapshot, rules] = await Promise.all([
        store.get(key('user')).then(readIdentity),
        store.get(key('durable')),
        store.get(key('state')),
        store.get(key('rules')),
      ])
      // What the previous page wrote synchronously as it went away, when it is newer than what its
      // asynchronous writes left (they may have been cut off by the navigation).
      const taken = readBackup(backup?.take(key('backup')))
      const left =
        taken && !(user && taken.user.lastActivity < user.lastActivity) ? taken : undefined
      return {
        identity: left?.user ?? user,
        fromBackup: !!left,
        durable: left?.durable ?? (isDurableTags(durable) ? durable : undefined),
        snapshot: left?.state ?? (isStateSnapshot(snapshot) ? snapshot : undefined),
        rules: isCachedRules(rules) ? rules : undefined,
      }
    },
    _save({ user, durable, state }, renamed) {
      // Other tabs write the same record: unless this tab changed who the person is, keep who the
      // record says (another tab may have identified them) and take the newest session.
      void store.update(key('user'), (value): Identity => {
        const stored = readIdentity(value)
        if (!stored || renamed) return user
        return user.lastActivity >= stored.lastActivity
          ? { ...stored, sessionId: user.sessionId, lastActivity: user.lastActivity }
          : stored
      })
      if (durable) void store.set(key('durable'), durable)
      if (state) void store.set(key('state'), state)
    },
    _saveRules: (rules) => void store.set(key('rules'), rules),
    _deleteState: () => void store.del(key('state')),
    _writeBackup: (records) => backup?.write(key('backup'), records),
    _erase() {
      // Each name in both places: deleting what is not there costs nothing, and no record is
      // left out when one moves.
      for (const name of RECORD_NAMES) {
        void store.del(key(name))
        backup?.take(key(name))
      }
    },
  }
}
