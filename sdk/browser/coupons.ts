/**
 * One delegated click listener (capture phase, so apps that stop propagation do not hide claims)
 * for any element with `data-tw-coupon`, also those added later. Reports `coupon_id` and every
 * other `data-tw-*` attribute, in snake_case: `data-tw-campaign-name` → `campaign_name`.
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
      const element = target?.closest?.('[data-tw-coupon]')
      if (!element) return
      const properties: Record<string, string> = {
        coupon_id: element.getAttribute('data-tw-coupon')!,
      }
      for (const { name, value } of element.attributes) {
        const key = name.slice(8).replace(/-/g, '_')
        if (name.startsWith('data-tw-') && !/^(coupon|show_if|hide_if)$/.test(key))
          properties[key] = value
      }
      claim(properties)
    },
    { capture: true, signal },
  )
}
