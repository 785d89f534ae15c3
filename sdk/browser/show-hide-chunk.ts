// The lazy half of declarative personalization: showing and hiding the elements with a condition,
// loaded by `personalize.ts` with a dynamic import once the page has such an element. The npm
// build leaves it a chunk of its own (the app's bundler keeps it lazy); the script-tag build ships
// it as `tagwise-personalize.js` (scripts/build-sdk.js).
import type { TagValue } from '../../rules/index.ts'
import { CONDITIONS, HIDE_IF, SHOW_IF } from './conditions.ts'

/** Whether `"tag"` (present) or `"tag=value"` (value as text) holds. */
const holds = (condition: string, tags: Record<string, TagValue>): boolean => {
  const [tag, expected] = condition.split(/=([^]*)/)
  const value = tags[tag!.trim()]
  return value !== undefined && (expected === undefined || String(value) === expected.trim())
}

const applyTo = (element: Element, tags: Record<string, TagValue>) => {
  const show = element.getAttribute(SHOW_IF)
  const hide = element.getAttribute(HIDE_IF)
  const hidden = (show !== null && !holds(show, tags)) || (hide !== null && holds(hide, tags))
  if ((element as HTMLElement).hidden !== hidden) (element as HTMLElement).hidden = hidden
}

/** Applies the tags to `element` and the elements under it. */
const applyUnder = (element: Element, tags: Record<string, TagValue>) => {
  if (element.matches(CONDITIONS)) applyTo(element, tags)
  for (const inner of element.querySelectorAll(CONDITIONS)) applyTo(inner, tags)
}

/**
 * Hides `data-tw-show-if` elements until their condition holds and `data-tw-hide-if` elements
 * while it does: every element now (with the `current` tags), each added or changed element as it
 * arrives, and every element again through the returned function when the tags change.
 */
export function showHide(
  current: () => Record<string, TagValue>,
  signal?: AbortSignal,
): (tags: Record<string, TagValue>) => void {
  const root = document.documentElement
  if (typeof MutationObserver === 'function') {
    const observer = new MutationObserver((records) => {
      const tags = current()
      // A changed condition's element, and each added element with what is under it.
      for (const record of records)
        for (const node of record.type === 'attributes' ? [record.target] : record.addedNodes)
          if (node.nodeType === 1) applyUnder(node as Element, tags)
    })
    observer.observe(root, {
      childList: true,
      subtree: true,
      attributes: true,
      attributeFilter: [SHOW_IF, HIDE_IF],
    })
    signal?.addEventListener('abort', () => observer.disconnect())
  }
  applyUnder(root, current())
  return (tags) => applyUnder(root, tags)
}
