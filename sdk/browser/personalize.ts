import type { TagValue } from '../../rules/index.ts'
import { CONDITIONS, HIDE_IF, SHOW_IF } from './conditions.ts'
import type { showHide } from './show-hide-chunk.ts'

/**
 * Declarative personalization: `data-tw-show-if="tag"` / `"tag=value"` elements are `hidden` until
 * the tag matches, `data-tw-hide-if` the reverse, and `<html data-tw-tags="a b=c">` lists the tags
 * for CSS (`html[data-tw-tags~="coupon_claimer"]`). Elements added later are handled as they
 * arrive. Returns the function that re-applies everything for new tags.
 *
 * `<html data-tw-tags>` is kept here; showing and hiding is a lazy chunk (`show-hide-chunk.ts`),
 * loaded only once the page has an element with a condition (at start or added later).
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
  const root = document.documentElement
  /** Shows and hides the elements with a condition, once the chunk is here. */
  let apply: ReturnType<typeof showHide> | undefined
  let loading = false
  // Only watches for the first element with a condition: the chunk watches the page from then on.
  const observer =
    typeof MutationObserver === 'function' ? new MutationObserver(() => load()) : undefined
  const load = () => {
    if (loading || signal?.aborted || !root.querySelector(CONDITIONS)) return
    loading = true
    observer?.disconnect()
    import('./show-hide-chunk.ts')
      .then((chunk) => {
        if (!signal?.aborted) apply = chunk.showHide(current, signal)
      })
      .catch(() => undefined)
  }
  observer?.observe(root, {
    childList: true,
    subtree: true,
    attributes: true,
    attributeFilter: [SHOW_IF, HIDE_IF],
  })
  signal?.addEventListener('abort', () => observer?.disconnect())
  load()
  return (tags) => {
    if (signal?.aborted) return
    root.setAttribute(
      'data-tw-tags',
      Object.entries(tags)
        .map(([tag, value]) =>
          value === true ? tag : `${tag}=${String(value).replace(/\s/g, '_')}`,
        )
        .join(' '),
    )
    apply?.(tags)
  }
}
