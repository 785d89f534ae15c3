import { didYouMean } from './suggest.ts'
import type { Problem } from './problem.ts'

/** Collects problems; `at(path)` reads like the JSON path of the value it is about. */
export class Problems {
  readonly list: Problem[] = []
  add(path: string, message: string) {
    this.list.push({ path, message })
  }
  unknownKeys(path: string, value: Record<string, unknown>, known: string[]) {
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) {
        this.add(
          join(path, key),
          `unknown field "${key}"${didYouMean(key, known)}; allowed: ${known.join(', ')}`,
        )
      }
    }
  }
}

export const join = (path: string, key: string | number) =>
  typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key

/** A `/`-separated path of non-empty names, like `behavior/realtime`. */
export const isCategoryPath = (value: string) =>
  value.length > 0 && value.split('/').every((s) => s.trim().length > 0)
