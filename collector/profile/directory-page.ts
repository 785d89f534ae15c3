import type { Env } from '../env.ts'
import { profilesAfter } from './directory.ts'
import { profileStub, type ProfileRpc } from './stub.ts'

/** Profiles a job over the directory calls at once (a page's calls, a few at a time). */
const CALLS_IN_FLIGHT = 8

/** One page of a job over the profile directory. */
export interface DirectoryPage<T> {
  /** The profiles of the page, in directory order (the next cursor is the last). */
  ids: string[]
  /** Each profile's answer, or the error its call failed with, in `ids` order. */
  outcomes: (T | Error)[]
  /** Whether the directory lists profiles after the page (`false`: the job is over). */
  more: boolean
}

/**
 * The next `pageSize` profiles after `cursor` in the directory, each called with `call`
 * (`CALLS_IN_FLIGHT` at a time; a failed call is its `Error`, the others go on), and whether
 * profiles remain after them: the page of a rules backfill and of a rules preview. Throws when the
 * directory cannot be read. One seek tells whether more remain: counting them on every page read
 * the rest of the directory each time, N²/(2 × page) rows over a run (100 million D1 rows read
 * for 100,000 profiles at pages of 50, 10 billion for a million).
 */
export async function visitDirectoryPage<T>(
  env: Env,
  cursor: string,
  pageSize: number,
  call: (stub: ProfileRpc) => Promise<T>,
): Promise<DirectoryPage<T>> {
  const ids = await profilesAfter(env.DB, cursor, pageSize)
  const outcomes: (T | Error)[] = []
  for (let i = 0; i < ids.length; i += CALLS_IN_FLIGHT)
    outcomes.push(
      ...(await Promise.all(
        ids
          .slice(i, i + CALLS_IN_FLIGHT)
          .map((id) => call(profileStub(env, id)).catch((error: unknown) => toError(error))),
      )),
    )
  const more = ids.length > 0 && (await profilesAfter(env.DB, ids.at(-1)!, 1)).length > 0
  return { ids, outcomes, more }
}

/** `error` as an `Error` (a thrown value may be anything). */
export const toError = (error: unknown): Error =>
  error instanceof Error ? error : new Error(String(error))

/** Consecutive failed pages after which a job over the directory fails for good. */
const MAX_PAGE_ATTEMPTS = 5

/** Where a job over the directory keeps its state: its table and the key of its row. */
export interface DirectoryJobRow {
  /** The job's table (a constant of the caller's, never input). */
  table: 'backfill' | 'previews'
  /** The key column and its value for the job's row. */
  key: { column: 'run' | 'id'; value: number | string }
  /** Failed pages in a row before this one. */
  attempts: number
  /** How the job is named in the log (`backfill v3`, `preview p1`). */
  name: string
}

/**
 * The directory could not be read for a page of `job`: counts the attempt and keeps the error on
 * the job's row; at `MAX_PAGE_ATTEMPTS` in a row the job's state becomes `failed`. Returns the
 * attempts so far, or `null` when the job failed (the caller retries with a backoff by attempts).
 */
export function recordFailedPage(
  sql: SqlStorage,
  job: DirectoryJobRow,
  error: Error,
): number | null {
  const attempts = job.attempts + 1
  const failed = attempts >= MAX_PAGE_ATTEMPTS
  sql.exec(
    `UPDATE ${job.table} SET attempts = ?, error = ?, state = ?, finished_at = ?
     WHERE ${job.key.column} = ?`,
    attempts,
    error.message,
    failed ? 'failed' : 'running',
    failed ? Date.now() : null,
    job.key.value,
  )
  console.warn(`tagwise: ${job.name}: page failed (attempt ${attempts}):`, error)
  return failed ? null : attempts
}
