import { uuid } from './uuid.ts'

/** Who the device is and which session it is in; persisted as one record. */
export interface Identity {
  anonymousId: string
  userId?: string
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
