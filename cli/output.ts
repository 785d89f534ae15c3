import { once } from 'node:events'
import type { Writable } from 'node:stream'

/** One output line per message, whatever the message contains. */
export const oneLine = (text: string) => text.replace(/\s*[\r\n]+\s*/g, ' ')

/**
 * Collects small writes into large ones and waits for the stream when it is full. A reader that
 * goes away (`| head`) is not an error: the rest of the output is dropped.
 */
export class Output {
  private parts: string[] = []
  private size = 0
  private closed = false
  private failure: Error | undefined
  constructor(private readonly stream: Writable) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') this.closed = true
      else this.failure = error
    })
  }
  write(text: string): void {
    this.parts.push(text)
    this.size += text.length
  }
  /** Writes what was collected once there is enough of it (all of it with `force`). */
  async flush(force = false): Promise<void> {
    if (this.size === 0 || (!force && this.size < 1 << 16)) return
    const text = this.parts.join('')
    this.parts = []
    this.size = 0
    if (this.failure) throw this.failure
    if (this.closed || this.stream.write(text) || this.stream.destroyed) return
    await once(this.stream, 'drain').catch(() => undefined)
    if (this.failure) throw this.failure
  }
}
