// The page's own script (no inline scripts under the CSP): each click tracks one numbered event.
let n = 0
document.getElementById('view').addEventListener('click', () => {
  n += 1
  window.tagwise.track('Product Viewed', { product_id: `p${n}`, n })
})
