import { MAX_MERGED_IDS } from '../document/limits.ts'
import { anonymousProfile, previousProfiles, userProfile } from './profile-key.ts'

/** The identity fields of an event (spec: rules.md, "Identity"). */
export interface IdentityFields {
  type?: unknown
  userId?: unknown
  anonymousId?: unknown
  previousId?: unknown
}

interface Link {
  from: string
  to: string
  ts: number
  seq: number
}

const isId = (value: unknown): value is string => typeof value === 'string' && value.length > 0

const before = (a: Link, b: Link) => a.ts < b.ts || (a.ts === b.ts && a.seq < b.seq)

/**
 * Joins anonymous ids and user ids into profiles (spec: rules.md, "Identity").
 *
 * A *link* `from → to` comes from an event carrying both ids (`anonymousId → userId`) or from an
 * `alias` (`previousId → userId`). Every id gets at most one parent: its earliest link (by event
 * timestamp, then input order), skipping a link that would close a cycle or make a person of more
 * than `maxMergedIds` merged ids (`MAX_MERGED_IDS`, as the collector). A profile key is the root
 * of an id's chain, so links combine transitively, an anonymous id linked to two users joins the
 * earlier one, and an alias keeps its `userId` while its `previousId` (anonymous or a user id,
 * `previousProfiles`) joins it. Anonymous ids and user ids are separate spaces: the graph's ids are
 * profile names (`profile-key.ts`), so `anonymous:x` and the user `x` are two people.
 *
 * Links count from every good event, including events after `now`: the spec ignores those for
 * metrics, sessions and traits, not for identity.
 *
 * Memory is one entry per distinct link and per id. Links may arrive in any order: one later than
 * every link so far applies at once; an earlier one makes the next lookup replay all links in time
 * order, so results never depend on arrival order.
 *
 * @example
 * const graph = new IdentityGraph()
 * graph.addEvent({ type: 'identify', anonymousId: 'a1', userId: 'u1' }, 1_000, 1)
 * graph.addEvent({ type: 'alias', previousId: 'u1', userId: 'u2' }, 2_000, 2)
 * graph.profileKeyOf({ type: 'page', anonymousId: 'a1' }) // 'u2'
 * graph.profileKeyOf({ type: 'page', anonymousId: 'u1' }) // 'anonymous:u1', another person
 */
export class IdentityGraph {
  /** Earliest link of every distinct `from → to` pair, keyed by `from\0to`. */
  private readonly links = new Map<string, Link>()
  /** The accepted parent link of every joined id. */
  private readonly parents = new Map<string, Link>()
  /** Union-find over accepted links: an id's entry leads (with path compression) to its root. */
  private readonly up = new Map<string, string>()
  /** How many ids each root's person holds, itself included (absent: 1). */
  private readonly sizes = new Map<string, number>()
  private latest: Link | undefined
  private stale = false

  /** @param maxMergedIds most ids merged into one person (tests set a small one). */
  constructor(private readonly maxMergedIds = MAX_MERGED_IDS) {}

  /** Records the links a good event carries; `ts` is its epoch ms, `seq` its input position. */
  addEvent(event: IdentityFields, ts: number, seq: number): void {
    const { userId } = event
    if (!isId(userId)) return
    const to = userProfile(userId)
    if (isId(event.anonymousId)) this.addLink(anonymousProfile(event.anonymousId), to, ts, seq)
    if (event.type === 'alias' && isId(event.previousId))
      for (const from of previousProfiles(event.previousId, event.anonymousId))
        this.addLink(from, to, ts, seq)
  }

  /**
   * Records that profile `from` joins profile `to` (profile names, `profile-key.ts`), as seen on an
   * event at `ts` (epoch ms), input position `seq`.
   */
  addLink(from: string, to: string, ts: number, seq: number): void {
    if (from === to || this.covers(from, to, ts, seq)) return
    const link = { from, to, ts, seq }
    this.links.set(`${from}\0${to}`, link)
    if (this.stale) return
    const parent = this.parents.get(from)
    if (parent && before(parent, link)) return
    if (!this.latest || before(this.latest, link)) {
      this.latest = link
      this.accept(link)
    } else this.stale = true
  }

  /**
   * Whether adding the link `from → to` at `ts`, `seq` would change nothing: the same link is
   * already recorded at that time or earlier.
   */
  covers(from: string, to: string, ts: number, seq: number): boolean {
    const known = this.links.get(`${from}\0${to}`)
    return known !== undefined && (known.ts < ts || (known.ts === ts && known.seq <= seq))
  }

  /**
   * The profile key profile name `id` belongs to: the root of its chain of links (`id` itself when
   * unlinked).
   */
  resolve(id: string): string {
    if (this.stale) this.replay()
    let root = id
    for (let next = this.up.get(root); next !== undefined; next = this.up.get(root)) root = next
    for (let node = id; node !== root;) {
      const next = this.up.get(node)!
      this.up.set(node, root)
      node = next
    }
    return root
  }

  /**
   * The profile key (a profile name) of a good event: its `userId`'s profile when it carries
   * one, whatever its anonymous id says; otherwise its `anonymousId`'s.
   */
  profileKeyOf(event: IdentityFields): string {
    if (isId(event.userId)) return this.resolve(userProfile(event.userId))
    return this.resolve(anonymousProfile(isId(event.anonymousId) ? event.anonymousId : ''))
  }

  private accept(link: Link): void {
    if (this.parents.has(link.from)) return
    const root = this.resolve(link.to)
    if (root === link.from) return
    // `from` has no parent, so it is a root: its whole person joins `root`'s.
    const joining = this.sizes.get(root) ?? 1
    const brought = this.sizes.get(link.from) ?? 1
    if (joining - 1 + brought > this.maxMergedIds) return
    this.parents.set(link.from, link)
    this.up.set(link.from, link.to)
    this.sizes.set(root, joining + brought)
    this.sizes.delete(link.from)
  }

  private replay(): void {
    this.stale = false
    this.parents.clear()
    this.up.clear()
    this.sizes.clear()
    const ordered = [...this.links.values()].sort((a, b) => a.ts - b.ts || a.seq - b.seq)
    for (const link of ordered) this.accept(link)
    this.latest = ordered[ordered.length - 1]
  }
}
