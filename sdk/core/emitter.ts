/** Subscribes to and emits the events of a map `{ type: payload }`. */
export interface Emitter<Events> {
  /** Calls `listener` for each `type` event until the returned function is called. */
  _on<Type extends keyof Events>(type: Type, listener: (payload: Events[Type]) => void): () => void
  _emit<Type extends keyof Events>(type: Type, payload: Events[Type]): void
}

type Listeners<Events> = { [Type in keyof Events]?: Set<(payload: Events[Type]) => void> }

/**
 * The one way SDK modules report what happened to whoever listens (live tags their changes, the
 * transport the tags of an acknowledgement), so that no module calls back into the module that
 * created it. A listener that throws is reported to `onError`: the others still run, and the error
 * never reaches the emitting module (or the host page).
 */
export function createEmitter<Events>(onError: (error: unknown) => void): Emitter<Events> {
  const listeners: Listeners<Events> = {}
  return {
    _on(type, listener) {
      const set = (listeners[type] ??= new Set())
      set.add(listener)
      return () => void set.delete(listener)
    },
    _emit(type, payload) {
      // A copy: a listener may unsubscribe (itself or another) while they run.
      for (const listener of [...(listeners[type] ?? [])])
        try {
          listener(payload)
        } catch (error) {
          onError(error)
        }
    },
  }
}
