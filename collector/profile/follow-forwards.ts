import type { Env } from '../env.ts'
import type { Routed } from './routed.ts'
import { profileStub, type ProfileRpc } from './stub.ts'

/** Longest chain of forwards followed (anonymous id → user id → aliased user id ...). */
const MAX_HOPS = 16

/**
 * Calls a profile method on `id`'s profile, following forwards left by identity merges: a merged
 * profile answers `{ forwardedTo }` and the call goes there instead, after finishing a merge still
 * under way (so the target holds the merged data before it answers).
 *
 * @example const { profile, value } = await atProfile(env, 'anon-1', (stub) => stub.tags())
 */
export async function atProfile<T>(
  env: Env,
  id: string,
  call: (stub: ProfileRpc, id: string) => Promise<Routed<T>>,
): Promise<{ profile: string; value: T }> {
  const seen = new Set<string>()
  for (let profile = id; !seen.has(profile) && seen.size < MAX_HOPS;) {
    seen.add(profile)
    const answer = await call(profileStub(env, profile), profile)
    if ('value' in answer) return { profile, value: answer.value }
    if (answer.pending) await completeMerge(env, profile, answer.forwardedTo)
    profile = answer.forwardedTo
  }
  throw new Error(`profile ${id}: forwards loop or chain longer than ${MAX_HOPS}: ${[...seen]}`)
}

/**
 * Merges profile `from` into profile `to` for a link seen at `at` (epoch ms): `from` becomes a
 * forward, its events and state move to `to`. Idempotent, so a retried identify changes nothing;
 * when `from` was merged elsewhere before, that first link stands. Returns where `from` now
 * forwards to, or `undefined` when the link was ignored (it would close a cycle).
 */
export async function linkProfiles(
  env: Env,
  from: string,
  to: string,
  at: number,
): Promise<string | undefined> {
  const forward = await profileStub(env, from).forwardTo(from, to, at)
  if (!forward) return undefined
  if (forward.pending) await completeMerge(env, from, forward.to)
  return forward.to
}

/**
 * Moves a forwarded profile's data to its target (which absorbs it at most once), then drops it
 * from the forwarded profile. Safe to repeat and to run concurrently: each step is idempotent.
 */
export async function completeMerge(env: Env, from: string, to: string): Promise<void> {
  const source = profileStub(env, from)
  const payload = await source.mergePayload()
  if (!payload) return
  await atProfile(env, to, (stub, id) => stub.absorb(id, from, payload))
  await source.releaseMerged()
}
