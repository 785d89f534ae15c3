import type { Explanation, Json, TagValue } from '../../rules/index.ts'
import type { TagChange } from './live-tags.ts'

/** Who the SDK is tracking. */
export interface TagwiseUser {
  anonymousId: string
  userId?: string
  sessionId: string
}

/** The site backend's proof of a userId (secure mode). */
export interface UserProof {
  /** `hex(HMAC-SHA256(identity secret of the source, userId))`, computed by your backend. */
  userHash?: string
}

/**
 * A tagwise instance. Calls are Segment-compatible where Segment has them; none of them throws,
 * and calls made before {@link Tagwise.ready} are applied once it resolves, in order.
 */
export interface Tagwise {
  /**
   * Records a page view (sent automatically at start and on SPA navigation unless `autoPage: false`).
   * @example tw.page({ section: 'checkout' })
   */
  page(properties?: Record<string, Json>): void
  /**
   * Records an action. Properties are sent as JSON holds them; from untyped code, an object that
   * points back at one holding it is sent as `"[Circular]"` there and a BigInt as its digits, and
   * a property whose getter throws drops the event (logged with `debug`).
   * @example tw.track('Order Completed', { revenue: 120, currency: 'USD' })
   */
  track(event: string, properties?: Record<string, Json>): void
  /**
   * Names the person (from now on every event carries `userId`) and/or records traits.
   *
   * `userHash` proves the userId to the collector (secure mode): your backend computes it as
   * `hex(HMAC-SHA256(identity secret of the source, userId))` and hands it to the page. The SDK
   * keeps it with the userId (stored with it, sent as `context.userHash` on every event that
   * carries the userId and with tag reads). Without it, the collector rejects the events that name
   * the user and answers no user tags. Naming the same user again without a hash keeps the hash;
   * naming another user without one drops it.
   * @example tw.identify('u42', { email: 'ada@example.com' }, { userHash: session.userHash })
   */
  identify(userId?: string, traits?: Record<string, Json>, options?: UserProof): void
  /**
   * Links the current identity to `userId` (`previousId` is the current userId or anonymousId).
   * `userHash` proves `userId`, as for {@link Tagwise.identify}.
   * @example tw.alias('u42', { userHash: session.userHash })
   */
  alias(userId: string, options?: UserProof): void
  /** Forgets the person: new anonymousId and session, no userId or userHash, no tags (for log-out). */
  reset(): void
  /**
   * Live session tags merged with the latest durable tags from the edge.
   * @example if (tw.tags().lifecycle_stage === 'churned') showWinback()
   */
  tags(): Record<string, TagValue>
  /** Whether a tag is present. @example tw.has('coupon_claimer') */
  has(tag: string): boolean
  /** A tag's value, `undefined` when absent. @example tw.value('spend_tier_30d') // 'mid' */
  value(tag: string): TagValue | undefined
  /**
   * Calls `listener` once per set of tag changes (an event, a time-driven flip, tags from the edge).
   * @returns a function that unsubscribes
   * @example
   * const off = tw.on('change', (changes) => changes.forEach((c) => console.log(c.tag, c.from, c.to)))
   */
  on(type: 'change', listener: (changes: TagChange[]) => void): () => void
  /**
   * Why a tag has its value: the expression tree with each node's value (device tags; edge tags
   * report only their value), as the tags are when it resolves. `undefined` for an unknown tag or
   * before rules are loaded. Asynchronous: the explainer is not part of the core bundle, it loads
   * (a small chunk, once) the first time a tag is explained. Never rejects.
   * @example tw.explain('checkout_hesitant').then((why) => console.log(JSON.stringify(why, null, 2)))
   */
  explain(tag: string): Promise<Explanation | undefined>
  /**
   * What waits to be sent: queued events and events dropped because the queue was full (reported
   * to the collector with the next batch). For debug panels and health checks.
   * @example if (tw.queued().events > 100) console.warn('collector unreachable?')
   */
  queued(): { events: number; dropped: number }
  /** The current identity. @example tw.user().anonymousId */
  user(): TagwiseUser
  /**
   * Grants or withdraws consent. Withdrawn: nothing is sent or stored from then on, and everything
   * the SDK stored is deleted (queue, identity, device state, cached tags and rules, the page's
   * backup in localStorage); on-device tags keep working in memory, and the identity stays in
   * memory until the page goes away (stored again only if consent is granted again).
   *
   * Consent is the site's, not the page's: a decision reaches the site's other open tabs at once
   * (`BroadcastChannel`, where the browser has it), which act as if it had been made in them. A
   * tab opened later starts from its `consent` option: the site's consent tool says it per page.
   * @example cmp.onChange((granted) => tw.consent(granted))
   */
  consent(granted: boolean): void
  /**
   * Sends the queue now. Resolves when the collector acknowledged every queued event, or when a
   * send failed (the SDK keeps retrying in the background); never rejects.
   *
   * In Node, Bun and Deno the SDK's timers (the next batch, retries, time-driven tags) do not keep
   * the process alive: a script, a test or server-side rendering ends when its own work is done,
   * also while the collector is unreachable. What it tracked is sent only if it awaits `flush()`
   * before it ends; events whose send failed then are lost with the process (it has no IndexedDB).
   * @example await tw.flush()
   */
  flush(): Promise<void>
  /** Resolves when the identity, queue and tags are restored from storage and rules are loaded. */
  readonly ready: Promise<void>
}
