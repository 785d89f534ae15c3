/**
 * A profile object's alarm, its time kept in memory while the object lives. `setAlarm` is billed
 * as a row written, and most commits leave the next time-driven change where it was: setting the
 * same time again cost about 0.6 rows written per batch. The object is the only writer of its
 * alarm, so the time read once (`load`, before the object takes any call) stays true as long as
 * every change goes through here: the next time-driven change (`set`, `delete`), the earlier
 * retries of the outbox and of a directory listing (`setBy`), and the alarm running (`fired`).
 */
export class ProfileAlarm {
  /** The alarm's time as last read or set, `null` when none is set; `undefined`: unknown. */
  private time: number | null | undefined

  constructor(private readonly storage: DurableObjectStorage) {}

  /** Reads the alarm's time unless it is known. */
  async load(): Promise<void> {
    this.time ??= await this.storage.getAlarm()
  }

  /**
   * Sets the alarm at `time` unless it is set there already. With the time known (always, but
   * after a failed write) the write starts at once, in the caller's turn: a commit and the alarm
   * it moves are stored together.
   */
  set(time: number): Promise<void> {
    if (this.time === undefined) return this.load().then(() => this.set(time))
    if (this.time === time) return Promise.resolve()
    this.time = time
    return this.written(this.storage.setAlarm(time))
  }

  /** Sets the alarm at `time` unless it is set at or before it (a retry postpones nothing). */
  async setBy(time: number): Promise<void> {
    await this.load()
    if (this.time === null || this.time === undefined || this.time > time) await this.set(time)
  }

  /** Deletes the alarm, unless it is known that none is set. */
  delete(): Promise<void> {
    if (this.time === null) return Promise.resolve()
    this.time = null
    return this.written(this.storage.deleteAlarm())
  }

  /** The alarm is running: the runtime cleared it (a new one is set by the handler, or none). */
  fired(): void {
    this.time = null
  }

  /** Reads the alarm again before the next change (the storage may hold another time). */
  forget(): void {
    this.time = undefined
  }

  /** A write of the alarm that failed leaves its time unknown: read again next time. */
  private async written(write: Promise<void>): Promise<void> {
    try {
      await write
    } catch (error) {
      this.time = undefined
      throw error
    }
  }
}
