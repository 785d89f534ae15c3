import type { ProfileMeta } from './meta.ts'

/** The `meta` row an erased profile keeps: when its storage was erased (epoch ms). */
const ERASED_AT = 'erased_at'

/**
 * A profile's own record of its last erasure (`DELETE /v1/profiles/:id`), kept after the erase in
 * the `meta` table the erase re-creates. An identity merge into this profile that was still pending
 * at the erasure (the forward set, the data not yet moved here, so the erase could not know the id)
 * must not bring the erased person back when it completes: `covers` tells the profile to erase
 * that data instead of absorbing it.
 */
export class ErasureMark {
  constructor(private readonly meta: ProfileMeta) {}

  /** After the erase re-created the tables: marks the erasure at `at`. */
  mark(at: number): void {
    this.meta.set(ERASED_AT, String(at))
  }

  /**
   * Whether a link made at `linkedAt` (its event time) belongs to the person erased here: it is
   * dated at or before the erasure (a link received after the erasure but dated before it is late
   * data of that person too). Only for a profile whose tables exist.
   */
  covers(linkedAt: number): boolean {
    const erasedAt = this.meta.get(ERASED_AT)
    return erasedAt !== undefined && linkedAt <= Number(erasedAt)
  }
}
