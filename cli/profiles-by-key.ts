// `tagwise eval`'s second pass: the profile each event belongs to, once every identity link is
// known (issue 19).
import type { IdentityFields, IdentityGraph } from '../rules/index.ts'

/**
 * The profiles of an event stream by profile key, each created on its first event. With every link
 * known, an event's key depends on one of its ids alone: its userId when it carries one, else its
 * anonymousId (`IdentityGraph.profileKeyOf`). So the profile of each id met is remembered, one map
 * per id space (a user id and an anonymous id may be spelled alike), and an event finds its
 * profile with one lookup, without resolving the key or building its name; where a map per userId
 * of maps per anonymousId took two.
 */
export class ProfilesByKey<Profile> {
  /** Every profile met, by profile key, in order of first event. */
  readonly profiles = new Map<string, Profile>()
  private readonly byUserId = new Map<string, Profile>()
  private readonly byAnonymousId = new Map<string, Profile>()
  /**
   * The previous event's ids and profile: consecutive events are often one visitor's (58 % of the
   * large history's in `npm run bench cli`), and comparing two ids costs less than a lookup.
   */
  private lastUserId: unknown
  private lastAnonymousId: unknown
  private last: Profile | undefined

  /** `graph` holds every link of the stream; `create` makes the profile of a new key. */
  constructor(
    private readonly graph: IdentityGraph,
    private readonly create: (key: string) => Profile,
  ) {}

  /** The profile of a good event (created if it is the first of its key). */
  of(event: IdentityFields): Profile {
    const { userId, anonymousId } = event
    if (
      this.last !== undefined &&
      userId === this.lastUserId &&
      anonymousId === this.lastAnonymousId
    )
      return this.last
    this.lastUserId = userId
    this.lastAnonymousId = anonymousId
    this.last = isId(userId)
      ? this.ofId(this.byUserId, userId, event)
      : this.ofId(this.byAnonymousId, isId(anonymousId) ? anonymousId : '', event)
    return this.last
  }

  private ofId(byId: Map<string, Profile>, id: string, event: IdentityFields): Profile {
    let profile = byId.get(id)
    if (profile === undefined) {
      const key = this.graph.profileKeyOf(event)
      profile = this.profiles.get(key)
      if (profile === undefined) this.profiles.set(key, (profile = this.create(key)))
      byId.set(id, profile)
    }
    return profile
  }
}

/** Whether `value` is an id: a non-empty string (an empty one counts as absent). */
const isId = (value: unknown): value is string => typeof value === 'string' && value.length > 0
