// The demo shop's behavior, shared by every page (no inline scripts: the pages run under
// `Content-Security-Policy: script-src 'self'`). Personalization itself is declarative
// (`data-tw-show-if` / `data-tw-hide-if` in the HTML, applied by tagwise.js); this file renders
// the catalog, keeps the cart, tracks shop events and fills the few places that show a tag's value.
import { CATEGORIES, COUPONS, PRODUCTS, VISAS, product } from './data.js'

const tw = window.tagwise
const $ = (selector, root = document) => root.querySelector(selector)
const el = (tag, attributes = {}, ...children) => {
  const node = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'text') node.textContent = value
    else if (value !== undefined && value !== false)
      node.setAttribute(name, value === true ? '' : value)
  }
  node.append(...children)
  return node
}
const money = (amount) => `$${amount.toLocaleString('en-US', { maximumFractionDigits: 2 })}`
const params = new URLSearchParams(location.search)

// ——— cart and claimed coupons (localStorage: the shop's own state, not tagwise's) ———
const store = {
  get: (key, fallback) => {
    try {
      return JSON.parse(localStorage.getItem(`shop:${key}`)) ?? fallback
    } catch {
      return fallback
    }
  },
  set: (key, value) => localStorage.setItem(`shop:${key}`, JSON.stringify(value)),
}
const cart = () => store.get('cart', [])
const addToCart = (id) => {
  store.set('cart', [...cart(), id])
  renderCartCount()
}
const claimed = () => store.get('coupons', [])

// ——— layout ———
function header() {
  const nav = el('nav', { 'aria-label': 'Main' })
  const links = [
    ...Object.entries(CATEGORIES).map(([id, c]) => [`/category?c=${id}`, c.title]),
    ['/visa/', 'Visas'],
    ['/coupons', 'Coupons'],
  ]
  for (const [href, label] of links) nav.append(el('a', { href, text: label }))
  const cartLink = el('a', { href: '/checkout/cart', class: 'cart-link' }, '🛒 Cart ')
  cartLink.append(el('span', { class: 'badge', id: 'cart-count', 'aria-label': 'items in cart' }))
  nav.append(cartLink)
  return el(
    'header',
    { class: 'site-header' },
    el('a', { href: '#main', class: 'skip' }, 'Skip to content'),
    el(
      'a',
      { href: '/', class: 'brand' },
      el('span', { 'aria-hidden': 'true' }, '🧭'),
      ' Wayfarer',
    ),
    nav,
  )
}
function renderCartCount() {
  const badge = $('#cart-count')
  if (badge) badge.textContent = String(cart().length)
}
function footer() {
  const toggle = el(
    'button',
    {
      type: 'button',
      class: 'debug-toggle',
      'aria-expanded': 'false',
      'aria-controls': 'tw-debug',
    },
    '🏷️ Tags',
  )
  toggle.addEventListener('click', () => {
    const panel = $('#tw-debug')
    panel.hidden = !panel.hidden
    toggle.setAttribute('aria-expanded', String(!panel.hidden))
    if (!panel.hidden) renderDebug()
  })
  return el(
    'footer',
    { class: 'site-footer' },
    el(
      'p',
      {},
      'A tagwise demo: every personalized block on these pages is driven by tags computed in your browser or at the edge. ',
    ),
    el('p', {}, el('a', { href: '/dashboard/' }, 'Open the dashboard →')),
    toggle,
    el('aside', {
      id: 'tw-debug',
      class: 'debug',
      hidden: true,
      'aria-label': 'tagwise debug panel',
    }),
  )
}

// ——— product cards ———
function card(p) {
  const art = el('div', { class: 'art', 'aria-hidden': 'true' }, p.icon)
  // Through the CSSOM: the CSP (_headers) blocks inline style attributes.
  art.style.setProperty('--hue', p.hue)
  return el(
    'li',
    { class: 'card' },
    art,
    el('h3', {}, el('a', { href: `/product?id=${p.id}` }, p.name)),
    el('p', { class: 'price' }, money(p.price)),
  )
}
const grid = (products) => el('ul', { class: 'grid' }, ...products.map(card))

/** Fills `[data-products="luggage"]` (a category) or `[data-products="fl-tyo lg-cabin"]` (ids). */
function renderProductSlots() {
  for (const slot of document.querySelectorAll('[data-products]')) {
    const spec = slot.dataset.products
    const list = CATEGORIES[spec]
      ? PRODUCTS.filter((p) => p.category === spec)
      : spec.split(' ').map(product).filter(Boolean)
    slot.replaceChildren(grid(list.slice(0, 4)))
  }
}

/** `<span data-tw-value="browsing_category">` shows the tag's value (category ids by their title). */
function renderTagValues() {
  for (const slot of document.querySelectorAll('[data-tw-value]')) {
    const value = tw.value(slot.dataset.twValue)
    slot.textContent =
      value === undefined ? '' : (CATEGORIES[value]?.title ?? VISAS[value]?.title ?? String(value))
  }
  // Recommendations that follow a value tag: the browsed category's products.
  const browsing = tw.value('browsing_category')
  const more = $('#more-of-category')
  if (more && CATEGORIES[browsing])
    more.replaceChildren(grid(PRODUCTS.filter((p) => p.category === browsing).slice(0, 4)))
  const destination = tw.value('visa_destination')
  const trip = $('#trip-flight')
  if (trip && VISAS[destination]) trip.replaceChildren(grid([product(VISAS[destination].flight)]))
}

// ——— pages ———
const pages = {
  category() {
    const id = CATEGORIES[params.get('c')] ? params.get('c') : 'flights'
    document.title = `${CATEGORIES[id].title} · Wayfarer`
    $('#category-title').textContent = `${CATEGORIES[id].icon} ${CATEGORIES[id].title}`
    $('#category-products').replaceChildren(grid(PRODUCTS.filter((p) => p.category === id)))
  },
  product() {
    const p = product(params.get('id')) ?? PRODUCTS[0]
    document.title = `${p.name} · Wayfarer`
    $('#product-art').textContent = p.icon
    $('#product-art').style.setProperty('--hue', p.hue)
    $('#product-name').textContent = p.name
    $('#product-price').textContent = money(p.price)
    $('#product-category').textContent = CATEGORIES[p.category].title
    $('#product-category').href = `/category?c=${p.category}`
    tw.track('Product Viewed', {
      product_id: p.id,
      category: p.category,
      name: p.name,
      price: p.price,
    })
    $('#add-to-cart').addEventListener('click', () => {
      addToCart(p.id)
      tw.track('Product Added', { product_id: p.id, category: p.category, price: p.price })
      $('#added').hidden = false
    })
  },
  visa() {
    const id = document.body.dataset.visa
    const v = VISAS[id]
    if (!v) return
    $('#visa-title').textContent = `${v.flag} Visa guide: ${v.title}`
    $('#visa-days').textContent = `${v.days} days`
    $('#visa-fee').textContent = v.fee
  },
  cart() {
    const items = cart().map(product).filter(Boolean)
    const list = $('#cart-items')
    if (!items.length) {
      list.replaceChildren(el('li', {}, 'Your cart is empty.'))
      $('#to-payment').hidden = true
    } else
      list.replaceChildren(
        ...items.map((p) =>
          el('li', {}, el('span', {}, `${p.icon} ${p.name}`), el('span', {}, money(p.price))),
        ),
      )
    $('#cart-total').textContent = money(items.reduce((sum, p) => sum + p.price, 0))
  },
  payment() {
    const items = cart().map(product).filter(Boolean)
    const subtotal = items.reduce((sum, p) => sum + p.price, 0)
    const coupon = claimed()[0]
    const discount = coupon ? Math.round(subtotal * 0.1 * 100) / 100 : 0
    $('#pay-subtotal').textContent = money(subtotal)
    $('#pay-coupon').textContent = coupon ? `${coupon} (−${money(discount)})` : 'none'
    $('#pay-total').textContent = money(subtotal - discount)
    $('#payment-form').addEventListener('submit', async (event) => {
      event.preventDefault()
      const email = $('#email').value.trim().toLowerCase()
      // The site's backend proves the signed-in user with a userHash (HMAC-SHA256 of the userId
      // with the source's identity secret); locally GET /dev/user-hash plays that backend.
      if (email) {
        const answer = await fetch(`/dev/user-hash?userId=${encodeURIComponent(email)}`)
        const { userHash } = answer.ok ? await answer.json() : {}
        tw.identify(email, { email, name: $('#name').value.trim() }, { userHash })
      }
      tw.track('Order Completed', {
        order_id: `o-${Date.now().toString(36)}`,
        revenue: subtotal - discount,
        currency: 'USD',
        ...(coupon ? { coupon_id: coupon } : {}),
        products: items.map((p) => ({ product_id: p.id, category: p.category, price: p.price })),
      })
      store.set('cart', [])
      store.set('coupons', [])
      await tw.flush()
      location.href = '/thanks'
    })
  },
  coupons() {
    const list = $('#coupon-list')
    list.replaceChildren(
      ...COUPONS.map((c) => {
        const button = el(
          'button',
          {
            type: 'button',
            class: 'button',
            'data-tw-coupon': c.id,
            'data-tw-campaign': c.campaign,
          },
          `Claim ${c.id}`,
        )
        button.addEventListener('click', () => {
          if (!claimed().includes(c.id)) store.set('coupons', [...claimed(), c.id])
          button.textContent = 'Claimed ✓'
          button.disabled = true
        })
        if (claimed().includes(c.id)) {
          button.textContent = 'Claimed ✓'
          button.disabled = true
        }
        return el('li', { class: 'coupon' }, el('h3', {}, c.title), el('p', {}, c.detail), button)
      }),
    )
  },
}

// ——— the debug panel: tags, why, the queue ———
function renderDebug() {
  const panel = $('#tw-debug')
  if (!panel || panel.hidden) return
  const tags = tw.tags()
  const user = tw.user()
  const queued = tw.queued()
  const list = el('ul', { class: 'debug-tags' })
  const names = Object.keys(tags).sort()
  if (!names.length) list.append(el('li', {}, 'No tags yet.'))
  for (const name of names) {
    const why = el('button', { type: 'button', class: 'link' }, 'why?')
    const out = el('pre', { hidden: true })
    why.addEventListener('click', async () => {
      out.hidden = !out.hidden
      if (!out.hidden)
        out.textContent = JSON.stringify((await tw.explain(name)) ?? 'unknown tag', null, 1)
    })
    list.append(
      el(
        'li',
        {},
        el('code', {}, name),
        ' = ',
        el('strong', {}, JSON.stringify(tags[name])),
        ' ',
        why,
        out,
      ),
    )
  }
  const slow = el(
    'button',
    { type: 'button', class: 'link' },
    'Simulate 3 slow page loads (LCP 5 s)',
  )
  slow.addEventListener('click', () => {
    for (let i = 0; i < 3; i++)
      tw.track('Page Left', {
        path: location.pathname,
        dwell_ms: 1000,
        lcp_ms: 5200,
        simulated: true,
      })
    tw.flush()
  })
  panel.replaceChildren(
    el('h2', {}, 'tagwise'),
    el('p', {}, `anonymousId ${user.anonymousId}`, user.userId ? ` · userId ${user.userId}` : ''),
    el('p', {}, `Queue: ${queued.events} waiting, ${queued.dropped} dropped`),
    list,
    slow,
  )
}

// ——— start ———
document.body.prepend(header())
document.body.append(footer())
renderCartCount()
pages[document.body.dataset.page]?.()
renderProductSlots()
tw.ready.then(() => {
  renderTagValues()
  renderDebug()
})
tw.on('change', () => {
  renderTagValues()
  renderDebug()
})
setInterval(renderDebug, 2000)
