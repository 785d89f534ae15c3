import type { Env } from '../env.ts'
import { fail } from '../http-error.ts'
import { stageMergeEvents } from './merge.ts'
import type { Absorbed } from './profile-do.ts'
import type { Forwarded, Routed } from './routed.ts'
import { profileStub, type ProfileRpc } from './stub.ts'

/**
 * Longest chain of forwards one operation follows (anonymous id → user id → aliased user id ...),
 * counted across the merges it finishes on the way: a merge under way continues the chain that
 * led to it, so the whole operation makes at most this many profile calls per chain.
 */
const MAX_HOPS = 16
/**
 * How often an operation starts over after it broke a loop of forwards. Each loop is broken at
 * once, so the second attempt finds it gone unless another loop formed meanwhile.
 */
const LOOP_ATTEMPTS = 4

/** A profile an operation called, and where it forwarded (once it answered so). */
interface Hop {
  profile: string
  forward?: Forwarded
}

/** Thrown (and caught by the operation's outermost call) once a loop of forwards was broken. */
class LoopBroken extends Error {}

/**
 * Calls a profile method on `id`'s profile, following forwards left by identity merges: a merged
 * profile answers `{ forwardedTo }` and the call goes there instead, after finishing a merge still
 * under way (so the target holds the merged data before it answers).
 *
 * Crossing merges (A→B and B→A linked at the same instant, or a longer cycle) can store a loop of
 * forwards: each profile checks only its own side. The path is carried through every merge the
 * call finishes on the way, so a loop is seen when the path comes back to a profile on it; it is
 * then broken at one of its links (`breakLoop`: the same one whoever sees the loop) and the call
 * starts over, and the loop's profiles end as one person. Never more than `MAX_HOPS` calls along
 * one path, however the forwards were stored.
 *
 * @example const { profile, value } = await atProfile(env, 'anon-1', (stub) => stub.tags())
 */
export function atProfile<T>(
  env: Env,
  id: string,
  call: (stub: ProfileRpc, id: string) => Promise<Routed<T>>,
): Promise<{ profile: string; value: T }> {
  return startingOverAfterLoops(id, () => follow(env, id, call, []))
}

/**
 * What `linkProfiles` did: where `from` now forwards to (`undefined` when the link was ignored: it
 * would close a cycle) and how many profiles it made (`created`: `from`, or the target, when
 * never written before); or, when `from` was never written and its sender may make no profile
 * now, nothing (`waitMs`: how long until it may).
 */
export type Linked = { to: string | undefined; created: number } | { waitMs: number }

/**
 * Merges profile `from` into profile `to` for a link seen at `at` (epoch ms): `from` becomes a
 * forward, its events and state move to `to`. Idempotent, so a retried identify changes nothing;
 * when `from` was merged elsewhere before, that first link stands. A link to an id never seen
 * makes its object (the forward that later events of the id follow), so it waits, like an event,
 * while `createWaitMs` (the sender's budget of new profiles) is not 0.
 */
export async function linkProfiles(
  env: Env,
  from: string,
  to: string,
  at: number,
  createWaitMs = 0,
): Promise<Linked> {
  const forward = await profileStub(env, from).forwardTo(from, to, at, createWaitMs)
  if (!forward) return { to: undefined, created: 0 }
  if ('waitMs' in forward) return forward
  let created = forward.created ? 1 : 0
  if (forward.pending) {
    const hop = {
      profile: from,
      forward: { forwardedTo: forward.to, at: forward.at, pending: true },
    }
    const merged = await startingOverAfterLoops(from, () =>
      completeMerge(env, from, forward.to, [hop]),
    )
    if (merged === 'created') created++
    // The person was full: `from` is a profile of its own again, its events stay there.
    if (merged === 'refused') return { to: undefined, created }
  }
  return { to: forward.to, created }
}

/** `follow` for one operation: `path` holds the profiles called so far on this chain. */
async function follow<T>(
  env: Env,
  id: string,
  call: (stub: ProfileRpc, id: string) => Promise<Routed<T>>,
  path: Hop[],
): Promise<{ profile: string; value: T }> {
  for (let profile = id, refusals = 0; ;) {
    const seen = path.findIndex((hop) => hop.profile === profile)
    if (seen >= 0) await breakLoop(env, path.slice(seen))
    if (path.length >= MAX_HOPS || refusals > MAX_HOPS)
      throw fail(
        409,
        `profile ${JSON.stringify(id)}: a chain of identity merges longer than ${MAX_HOPS}`,
      )
    const hop: Hop = { profile }
    path.push(hop)
    const answer = await call(profileStub(env, profile), profile)
    if ('value' in answer) return { profile, value: answer.value }
    hop.forward = answer
    // The merge continues this path (a copy: this loop goes on from the target as well).
    if (answer.pending) {
      const merged = await completeMerge(env, profile, answer.forwardedTo, [...path])
      if (merged === 'refused') {
        // The forward is gone: the profile answers for itself now.
        path.pop()
        refusals++
        continue
      }
    }
    profile = answer.forwardedTo
  }
}

/**
 * Moves a forwarded profile's data to its target (its events in pages, then the state, which the
 * target absorbs at most once), then drops it from the forwarded profile. Safe to repeat and to
 * run concurrently: each step is idempotent. `path` ends with `from`. `created` when the target
 * was made by this merge (never written before); `refused` when the target's person was full
 * (`MAX_MERGED_IDS`): `from` then drops its forward and keeps its data.
 */
async function completeMerge(env: Env, from: string, to: string, path: Hop[]): Promise<Absorbed> {
  const source = profileStub(env, from)
  const payload = await source.mergePayload()
  if (!payload) return 'joined'
  // The events first, in pages (a profile may hold 10,000 of 32 KB), then the state in one call;
  // each call follows from `path` as it is now (`follow` extends the path it is given).
  await stageMergeEvents(source, (events) =>
    follow(env, to, (stub, id) => stub.stageMerge(id, from, events), [...path]),
  )
  const { value: absorbed } = await follow(
    env,
    to,
    (stub, id) => stub.absorb(id, from, payload),
    path,
  )
  if (absorbed === 'refused') {
    if (payload.linkedAt !== undefined) await source.dropForward(from, to, payload.linkedAt)
    return absorbed
  }
  await source.releaseMerged()
  return absorbed
}

/**
 * Breaks a loop of forwards (`loop`: each hop forwards to the next, the last to the first) and
 * throws `LoopBroken`. The link dropped is the one linked latest (the earliest links stand, as for
 * an id linked twice), ties broken by the larger profile id, among the forwards whose data has not
 * moved yet: everyone who sees the loop drops the same link, and the profile that held it keeps
 * its data and takes in the others'.
 */
async function breakLoop(env: Env, loop: Hop[]): Promise<never> {
  const links = loop.filter((hop) => hop.forward).map((hop) => ({ ...hop, ...hop.forward! }))
  const pending = links.filter((link) => link.pending)
  const latest = (pending.length ? pending : links).reduce((a, b) =>
    b.at > a.at || (b.at === a.at && b.profile > a.profile) ? b : a,
  )
  await profileStub(env, latest.profile).dropForward(latest.profile, latest.forwardedTo, latest.at)
  throw new LoopBroken(
    `forwards loop ${loop.map((hop) => hop.profile).join(' → ')}: ${latest.profile} → ${latest.forwardedTo} dropped`,
  )
}

/** Runs an operation, again after each loop it broke, `LOOP_ATTEMPTS` times at most. */
async function startingOverAfterLoops<T>(id: string, operation: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation()
    } catch (error) {
      if (!(error instanceof LoopBroken)) throw error
      console.warn(`tagwise: ${error.message}`)
      if (attempt >= LOOP_ATTEMPTS)
        throw fail(
          409,
          `profile ${JSON.stringify(id)}: identity merges under way keep crossing; retry later`,
        )
    }
  }
}
