import type { Env } from '../env.ts'
import type { ProfileDO } from './profile-do.ts'

/** The RPC methods of a profile's Durable Object. */
export type ProfileRpc = Pick<
  ProfileDO,
  | 'ingest'
  | 'tags'
  | 'view'
  | 'explain'
  | 'erase'
  | 'forwardTo'
  | 'dropForward'
  | 'mergePayload'
  | 'mergeEvents'
  | 'stageMerge'
  | 'absorb'
  | 'releaseMerged'
  | 'rebuild'
  | 'preview'
>

/**
 * The Durable Object of profile `id`. Its methods take and return plain JSON data, so the RPC
 * stub has exactly the class's signatures; typing it so spares the compiler workers-types'
 * recursive mapping of RPC types, which gives up ("excessively deep") on JSON values.
 */
export const profileStub = (env: Env, id: string): ProfileRpc =>
  env.PROFILES.getByName(id) as unknown as ProfileRpc
