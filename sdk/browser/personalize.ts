import type { TagValue } from '../../rules/index.ts'

const SHOW = 'data-tw-show-if'
const HIDE = 'data-tw-hide-if'
const SELECTOR = `[${SHOW}],[${HIDE}]`

/** Whether `"tag"` (present) or `"tag=value"` (value as text) holds. */
const holds = (condition: string, tags: Record<string, TagValue>): boolean => {
  const [tag, expected] = condition.split(/=([^]*)/)
  const value = tags[tag!.trim()]
  return value !== undefined && (expected === undefined || String(value) === expected.trim())
}

const applyTo = (element: Element, tags: Record<string, TagValue>) => {
  const show = element.getAttribute(SHOW)
  const hide = element.getAttribute(HIDE)
  const hidden = (show !== null && !holds(show, tags)) || (hide !== null && holds(hide, tags))
  if ((element as HTMLElement).hidden !== hidden) (element as HTMLElement).hidden = hidden
}

/**
 * Declarative personalization: `data-tw-show-if="tag"` / `"tag=value"` elements are `hidden` until
 * the tag matches, `data-tw-hide-if` the reverse, and `<html data-tw-tags="a b=c">` lists the tags
 * for CSS (`html[data-tw-tags~="coupon_claimer"]`). Elements added later are handled as they
 * arrive. Returns the function that re-applies everything for new tags.
 *
 * @example
 * <div data-tw-show-if="checkout_hesitant" hidden>Need help? Chat with us.</div>
 * <p data-tw-show-if="spend_tier_30d=high">Free express shipping for you.</p>
 */
export function personalize(
  current: () => Record<string, TagValue>,
  signal?: AbortSignal,
): (tags: Record<string, TagValue>) => void {
  if (typeof document === 'undefined') return () => undefined
  /** Applies the tags to `element` and the elements under it. */
  const applyUnder = (element: Element, tags: Record<string, TagValue>) => {
    if (element.matches(SELECTOR)) applyTo(element, tags)
    for (const inner of element.querySelectorAll(SELECTOR)) applyTo(inner, tags)
  }
  const apply = (tags: Record<string, TagValue>) => {
    if (signal?.aborted) return
    document.documentElement.setAttribute(
      'data-tw-tags',
      Object.entries(tags)
        .map(([tag, value]) =>
          value === true ? tag : `${tag}=${String(value).replace(/\s/g, '_')}`,
        )
        .join(' '),
    )
    applyUnder(document.documentElement, tags)
  }
  if (typeof MutationObserver === 'function') {
    const observer = new MutationObserver((records) => {
      const tags = current()
      // A changed condition's element, and each added element with what is under it.
      for (const record of records)
        for (const node of record.type === 'attributes' ? [record.target] : record.addedNodes)
          if (node.nodeType === 1) applyUnder(node as Element, tags)
    })
    observer.observe(document.documentElement, {
      childList: true,
      subtree: true,
      attributes: true,
      attributeFilter: [SHOW, HIDE],
    })
    signal?.addEventListener('abort', () => observer.disconnect())
  }
  return apply
}
