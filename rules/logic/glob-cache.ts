const CACHE_SIZE = 256

/**
 * A glob test over compiled patterns, cached: `{"glob": [pattern, path]}` compiles a pattern that
 * comes from the data at most once per 256 distinct patterns (the cache starts over when full).
 */
export function globCache(
  compile: (pattern: string) => (text: string) => boolean,
): (pattern: string, text: string) => boolean {
  const cache = new Map<string, (text: string) => boolean>()
  return (pattern, text) => {
    let matcher = cache.get(pattern)
    if (matcher === undefined) {
      if (cache.size >= CACHE_SIZE) cache.clear()
      cache.set(pattern, (matcher = compile(pattern)))
    }
    return matcher(text)
  }
}
