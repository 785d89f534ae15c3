import type { QueuedEvent } from './queue.ts'
import { uuid } from './uuid.ts'

/** Who the device is and which session it is in; persisted as one record. */
export interface Identity {
  anonymousId: string
  userId?: string
  /**
   * The site backend's proof of `userId` (secure mode, collector.md): kept with the userId it
   * proves, and only with it.
   */
  userHash?: string
  sessionId: string
  /** Epoch ms of the latest event, to cut sessions after inactivity. */
  lastActivity: number
}

/** A new anonymous person with a new session. */
export const newIdentity = (): Identity => ({
  anonymousId: uuid(),
  sessionId: uuid(),
  lastActivity: 0,
})

/**
 * Records activity at `at`, starting a new session first when the previous activity is
 * `timeoutMs` or more ago (the rules' definition: a gap of exactly the timeout starts a new session).
 */
export function touchSession(identity: Identity, at: number, timeoutMs: number): void {
  if (at - identity.lastActivity >= timeoutMs) identity.sessionId = uuid()
  if (at > identity.lastActivity) identity.lastActivity = at
}

/**
 * Attributes `event` to the person: `identify` and `alias` name them first (an `alias` records
 * whom it links from as `previousId`), then the event's time counts as activity in the session,
 * and the event gets the anonymousId, userId (with its `context.userHash`) and sessionId. Returns
 * whether the event named the person (their identity record must then replace what other tabs
 * stored).
 *
 * A naming event carries the hash its call was given, if any, in `context.userHash`: it becomes
 * the identity's. Naming the same user again without one keeps the hash; naming another user
 * without one drops it, so one user's hash is never sent with another's userId.
 */
export function attribute(
  identity: Identity,
  event: QueuedEvent,
  sessionTimeoutMs: number,
): boolean {
  if (event.type === 'alias') event.previousId = identity.userId ?? identity.anonymousId
  // Only identify and alias carry a userId before this (the others get the identity's below).
  const named = event.userId !== undefined
  if (named) {
    const userHash = event.context.userHash
    if (userHash !== undefined || event.userId !== identity.userId)
      identity.userHash = typeof userHash === 'string' ? userHash : undefined
    identity.userId = event.userId
  }
  touchSession(identity, Date.parse(event.timestamp) || Date.now(), sessionTimeoutMs)
  event.anonymousId = identity.anonymousId
  if (identity.userId !== undefined) event.userId = identity.userId
  if (identity.userHash !== undefined) event.context.userHash = identity.userHash
  event.context.sessionId = identity.sessionId
  return named
}
