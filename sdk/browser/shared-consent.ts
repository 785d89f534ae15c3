import { isObject } from '../../rules/device/index.ts'

/** A consent decision, as the pages of a site tell it to each other. */
export interface ConsentMessage {
  granted: boolean
  /** When it was decided (epoch ms, see {@link shareConsent}): the latest decision holds. */
  at: number
}

/**
 * Opens the channel `name` to the other pages of the site (BroadcastChannel): returns how to send
 * them a message; `receive` gets theirs.
 */
export type OpenChannel = (
  name: string,
  receive: (message: unknown) => void,
) => (message: ConsentMessage) => void

const isConsentMessage = (value: unknown): value is ConsentMessage =>
  isObject(value) && typeof value.granted === 'boolean' && typeof value.at === 'number'

/**
 * Makes consent a property of the site, not of the page: a decision made in one page (the
 * function returned) is applied there and in every other open page of the site that runs the
 * instance of `writeKey` (tabs of one origin), as if it had been made in each (`apply`). A page
 * that opens later starts from its `consent` option.
 *
 * Each page applies a decision only if it is later than the last one it applied, so pages that
 * decide at the same time end up agreeing: on the later one, or on the withdrawal when both were
 * made in the same millisecond (a tab whose consent tool answers as the visitor withdraws in
 * another must not keep sending). A page's own decision is later than any it has seen, even in
 * the same millisecond (a consent tool's "reject all" followed at once by the visitor's choice).
 */
export function shareConsent(
  open: OpenChannel,
  writeKey: string,
  apply: (granted: boolean) => void,
): (granted: boolean) => void {
  /** When the decision this page applied last was made. */
  let decidedAt = 0
  const send = open(`tagwise:${writeKey}:consent`, (message) => {
    if (!isConsentMessage(message)) return
    const { granted, at } = message
    if (at > decidedAt || (at === decidedAt && !granted)) {
      decidedAt = at
      apply(granted)
    }
  })
  return (granted) => {
    decidedAt = Math.max(Date.now(), decidedAt + 1)
    apply(granted)
    send({ granted, at: decidedAt })
  }
}
