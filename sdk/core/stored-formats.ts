// What the SDK persists, one named format per record, and the one place each is read back. The
// asynchronous store (IndexedDB, `wx` storage) holds, under `<writeKey>:<name>`:
//   user     StoredIdentity   who the device is (userId with its userHash) and its session
//   durable  DurableTags      the edge's latest tags
//   state    StateSnapshot    the device engine's state: the engine's own format, stored as is
//   rules    CachedRules      the rules document with its ETag and device plan
//   queue    StoredQueue      events waiting for the collector's acknowledgement
// and the synchronous backup (localStorage) a page writes as it goes away:
//   backup   PageBackup       identity, device state and durable tags of a ready page
//   early    EarlyEvents      events of a page that went away before it was ready
//   unsaved  UnsavedEvents    queued events a ready page had not stored yet as it went away
// The names on disk are the fields' own, so there is no codec: these readers only check that what
// storage holds (a host may write anything there, and older versions wrote these same shapes) is
// the format, and read anything else as missing. Data written by earlier versions reads as is
// (test/sdk/stored-formats.test.ts, against a fixture written by commit b0b1f7d).
import { isObject } from '../../rules/device/index.ts'
import type { StateSnapshot, TagValue } from '../../rules/index.ts'
import type { Identity } from './identity.ts'
import type { QueuedEvent } from './queue.ts'
import type { CachedRules } from './remote-rules.ts'

export type StoredIdentity = Identity
export type DurableTags = Record<string, TagValue>
export type { CachedRules, StateSnapshot }

/** The send queue: its events and how many were dropped while it was full (not yet reported). */
export interface StoredQueue {
  items: QueuedEvent[]
  dropped: number
  /**
   * Of `dropped`, the oldest events a mini-program's storage had no room for (sdk/mini/storage.ts):
   * still queued in the memory of the page that wrote them, lost only if the app restarts first.
   */
  trimmed?: number
}

/** What a page that was ready leaves as it goes away, newer than what its async writes may say. */
export interface PageBackup {
  user: StoredIdentity
  /** Absent without rules. */
  state?: StateSnapshot
  durable?: DurableTags
}

/** Events made before a page was ready, not counted yet: the next page counts them. */
export type EarlyEvents = QueuedEvent[]

/**
 * Events counted and queued by pages that went away before their store had them: the next page
 * queues them (sdk/core/queue.ts).
 */
export type UnsavedEvents = QueuedEvent[]

/** The records by their name in storage. */
export interface StoredFormats {
  user: StoredIdentity
  durable: DurableTags
  state: StateSnapshot
  rules: CachedRules
  queue: StoredQueue
  backup: PageBackup
  early: EarlyEvents
  unsaved: UnsavedEvents
}

/**
 * Every record's name: what erasing deletes (test/sdk/consent.test.ts checks, at compile time,
 * that none is missing).
 */
export const RECORD_NAMES = [
  'user',
  'durable',
  'state',
  'rules',
  'queue',
  'backup',
  'early',
  'unsaved',
] as const satisfies readonly (keyof StoredFormats)[]

/** Where a record of the instance of `writeKey` is stored. */
export const storageKey = (writeKey: string, name: keyof StoredFormats): string =>
  `${writeKey}:${name}`

const isEvent = (value: unknown): value is QueuedEvent =>
  isObject(value) && typeof value.messageId === 'string'

/** The events that have a messageId. */
const readEvents = (value: unknown): QueuedEvent[] =>
  Array.isArray(value) ? value.filter(isEvent) : []

/**
 * An identity with an anonymousId, else `undefined`. Without a sessionId, its session is over: no
 * activity (0), so the next event starts a new one. A userHash counts only with the userId it was
 * stored with (identities stored before secure mode have none).
 */
export function readIdentity(value: unknown): StoredIdentity | undefined {
  if (!isObject(value) || typeof value.anonymousId !== 'string' || !value.anonymousId) return
  const { anonymousId, userId, userHash, sessionId, lastActivity } = value
  const session = typeof sessionId === 'string' && sessionId !== ''
  const user = typeof userId === 'string'
  return {
    anonymousId,
    userId: user ? userId : undefined,
    userHash: user && typeof userHash === 'string' ? userHash : undefined,
    sessionId: session ? sessionId : '',
    lastActivity: (session && Number(lastActivity)) || 0,
  }
}

/**
 * Any object, as the edge sent it: tags are only compared and shown, so their values are not
 * checked one by one.
 */
export const isDurableTags = (value: unknown): value is DurableTags => isObject(value)

/** Any object: the engine checks a snapshot as it restores it (and starts afresh if it fails). */
export const isStateSnapshot = (value: unknown): value is StateSnapshot => isObject(value)

/** Any object: compiling the document checks it (and a cache that fails is not used). */
export const isCachedRules = (value: unknown): value is CachedRules => isObject(value)

/**
 * The queue's events that have a messageId, its dropped count without the trimmed events, and
 * those (0 when unreadable).
 */
export function readQueue(value: unknown): Required<StoredQueue> {
  if (!isObject(value)) return { items: [], dropped: 0, trimmed: 0 }
  const trimmed = Number(value.trimmed) || 0
  return {
    items: readEvents(value.items),
    dropped: Math.max(0, (Number(value.dropped) || 0) - trimmed),
    trimmed,
  }
}

/** The early events that have a messageId. */
export const readEarlyEvents = (value: unknown): EarlyEvents => readEvents(value)

/** The unsaved events that have a messageId. */
export const readUnsavedEvents = (value: unknown): UnsavedEvents => readEvents(value)

/** A backup with an identity, else `undefined`. */
export function readBackup(value: unknown): PageBackup | undefined {
  if (!isObject(value)) return
  const { state, durable } = value
  const user = readIdentity(value.user)
  return (
    user && {
      user,
      state: isStateSnapshot(state) ? state : undefined,
      durable: isDurableTags(durable) ? durable : undefined,
    }
  )
}
