import { jsonListGroups } from '../d1-json-lists.ts'
import type { Env } from '../env.ts'
import { markAnnounced, markErased, recordErasure } from '../export/erasures.ts'
import type { ExportMessage } from '../export/message.ts'
import { sendAll } from '../export/queue-sends.ts'
import { removeStatements } from '../export/tag-index.ts'
import { unlistStatement } from './directory.ts'
import { forgetTagErrorsStatement } from './tag-errors.ts'
import { atProfile } from './follow-forwards.ts'
import { profileStub } from './stub.ts'

/** Profiles erased at the same time (as `PROFILE_CALLS_IN_FLIGHT` for ingest: bounded memory). */
const ERASES_IN_FLIGHT = 32

/**
 * Erases the person `id` belongs to (`DELETE /v1/profiles/:id`): the profile it resolves to and
 * every id merged into it, everywhere (their Durable Objects, the directory, the tag index and
 * change log), then announces each erased id to the destinations (`profile.deleted`). Safe to
 * repeat after any failure, and each step is:
 * 1. the ids are recorded as tombstones (D1 `erasures`) before any data is erased, so a retry finds
 *    them all again (the aliases are known only to the erased profile), with the same notice ids;
 * 2. each profile's storage is erased (its outbox of pending changes with it);
 * 3. in one D1 batch the tombstones take the time the data was gone (the consumer drops every
 *    change of these ids dated until then), and the directory and index rows go;
 * 4. the notices are queued in as many sends as the Queue limits need, then marked announced.
 * Returns the erased ids.
 */
export async function erasePerson(env: Env, id: string): Promise<string[]> {
  const { profile, value: view } = await atProfile(env, id, (stub) => stub.view())
  const known = [...new Set([id, profile, ...(view?.aliases ?? [])])]
  let erased = await recordErasure(env.DB, profile, known, Date.now())
  // Ids merged into the profile since the view: recorded before anything else is erased.
  const recorded = new Set(erased.map((e) => e.profile))
  const merged = (await profileStub(env, profile).erase()).filter((alias) => !recorded.has(alias))
  if (merged.length) erased = await recordErasure(env.DB, profile, merged, Date.now())
  const others = erased.map((e) => e.profile).filter((other) => other !== profile)
  for (let i = 0; i < others.length; i += ERASES_IN_FLIGHT)
    await Promise.all(
      others.slice(i, i + ERASES_IN_FLIGHT).map((other) => profileStub(env, other).erase()),
    )
  const at = Date.now()
  const ids = erased.map((e) => e.profile)
  await env.DB.batch(forgetErasedStatements(env.DB, profile, ids, at))
  // Destinations learn of the erasure through the export queue (with its retries).
  await sendAll<ExportMessage>(
    env.TAG_CHANGES,
    erased.map(({ profile: erasedId, notice }) => ({
      type: 'profile.deleted',
      deletion: { id: notice, profile: erasedId, at },
    })),
  )
  await markAnnounced(env.DB, profile, Date.now())
  return ids
}

/**
 * The statements, for one D1 batch (one transaction), that give `person`'s tombstones the time its
 * data was gone (`at`) and forget `ids` in the directory, the tag errors, the tag index and the
 * change log. The ids go as JSON lists within D1's string size: a person may have any number.
 */
export const forgetErasedStatements = (
  db: D1Database,
  person: string,
  ids: readonly string[],
  at: number,
): D1PreparedStatement[] => [
  markErased(db, person, at),
  ...jsonListGroups(ids).flatMap((group) => [
    unlistStatement(db, group),
    forgetTagErrorsStatement(db, group),
    ...removeStatements(db, group),
  ]),
]
