// Path globs as devices match them: the same walk over live pattern positions as the edge's
// automaton (glob.ts), with a new `Set` per character in place of reused typed arrays and stamps.
// Fewer bytes, slower: a device matches a few paths per event.
import { globCache } from './glob-cache.ts'

/** Compiles a path glob with the semantics of `compileGlob` (glob.ts). */
export function compileCompactGlob(pattern: string): (text: string) => boolean {
  // Tokens: a run of two or more `*` (`**`), else one UTF-16 code unit (`*`, `?` or a literal).
  // The end position has none (`undefined`): it matches no character and is no wildcard.
  const tokens = pattern.match(/\*\*+|[^]/g) ?? []
  // Adds a position and, through wildcards that may match nothing, the positions after it.
  const add = (live: Set<number>, position: number): void => {
    for (; !live.has(position); position++) {
      live.add(position)
      if (tokens[position]?.[0] !== '*') return
    }
  }
  return (text) => {
    let live = new Set<number>()
    add(live, 0)
    for (let i = 0; i < text.length; i++) {
      const char = text[i]
      const next = new Set<number>()
      for (const position of live) {
        const token = tokens[position]
        // `*` stays within a segment, `**` crosses them.
        if (token === '*' ? char !== '/' : token?.[1] === '*') add(next, position)
        else if (token === char || (token === '?' && char !== '/')) add(next, position + 1)
      }
      live = next
    }
    return live.has(tokens.length)
  }
}

/** Whether `text` matches the glob `pattern`, compiled patterns cached (see `glob`). */
export const compactGlob: (pattern: string, text: string) => boolean = globCache(compileCompactGlob)
