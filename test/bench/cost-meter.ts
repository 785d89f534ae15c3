// What the cost benchmark's Worker entry (cost-worker.ts) counts, read by cost.bench.ts.

/** The counts `GET /bench/meter` answers. */
export interface Meter {
  workerRequests: number
  queueInvocations: number
  doRequests: number
  doWallMs: number
  alarms: number
  sqlRowsRead: number
  sqlRowsWritten: number
  /** Rows written by the table a statement writes (`schema` for DDL, `read` for queries). */
  sqlRowsWrittenBy: Record<string, number>
  /** Of those, the rows `INSERT` statements wrote, by table. */
  sqlRowsInsertedBy: Record<string, number>
  /** Of those, the rows `DELETE` statements deleted, by table. */
  sqlRowsDeletedBy: Record<string, number>
  /**
   * Rows the local runtime writes for itself (miniflare's `__miniflare_do_name`, the name each
   * object was addressed by): not in `sqlRowsWritten`, since a deployed object writes none.
   */
  localRowsWritten: number
  setAlarms: number
  d1RowsRead: number
  d1RowsWritten: number
  queueWrites: number
  queueReads: number
  queueDeletes: number
  queueMessagesSent: number
}
