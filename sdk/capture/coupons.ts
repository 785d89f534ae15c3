/**
 * One delegated click listener (capture phase, so apps that stop propagation do not hide claims)
 * for any element with `data-tw-coupon`, also those added later. Reports `coupon_id` and every
 * other `data-tw-*` value, in snake_case: `data-tw-campaign-name` → `campaign_name`.
 */
export function captureCoupons(
  claim: (properties: Record<string, string>) => void,
  signal?: AbortSignal,
): void {
  if (typeof document === 'undefined') return
  document.addEventListener(
    'click',
    (event) => {
      const target = event.target as Element | null
      const element = target?.closest?.('[data-tw-coupon]') as HTMLElement | null | undefined
      if (!element) return
      const properties: Record<string, string> = { coupon_id: element.dataset.twCoupon ?? '' }
      for (const [key, value] of Object.entries(element.dataset)) {
        if (!key.startsWith('tw') || key === 'twCoupon' || value === undefined) continue
        const name = key
          .slice(2)
          .replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
          .slice(1)
        if (name !== 'show_if' && name !== 'hide_if') properties[name] = value
      }
      claim(properties)
    },
    { capture: true, signal },
  )
}
