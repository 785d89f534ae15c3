// The demo shop's catalog: products, visa guides and coupons. Plain data, shared by every page.
export const CATEGORIES = {
  flights: { title: 'Flights', icon: '✈️' },
  luggage: { title: 'Luggage', icon: '🧳' },
  electronics: { title: 'Travel tech', icon: '🔌' },
  outdoor: { title: 'Outdoor', icon: '🥾' },
}

export const PRODUCTS = [
  { id: 'fl-tyo', category: 'flights', name: 'Tokyo round trip', price: 890, hue: 200, icon: '🗼' },
  { id: 'fl-par', category: 'flights', name: 'Paris round trip', price: 640, hue: 220, icon: '🥐' },
  {
    id: 'fl-nyc',
    category: 'flights',
    name: 'New York, business class',
    price: 2400,
    hue: 240,
    icon: '🗽',
  },
  {
    id: 'lg-cabin',
    category: 'luggage',
    name: 'Cabin spinner 55 cm',
    price: 149,
    hue: 20,
    icon: '🧳',
  },
  {
    id: 'lg-check',
    category: 'luggage',
    name: 'Check-in trunk 75 cm',
    price: 229,
    hue: 30,
    icon: '🛄',
  },
  {
    id: 'lg-pack',
    category: 'luggage',
    name: 'Packing cubes, set of 4',
    price: 35,
    hue: 40,
    icon: '📦',
  },
  {
    id: 'el-adapt',
    category: 'electronics',
    name: 'Universal plug adapter',
    price: 29,
    hue: 280,
    icon: '🔌',
  },
  {
    id: 'el-buds',
    category: 'electronics',
    name: 'Noise-cancelling earbuds',
    price: 179,
    hue: 300,
    icon: '🎧',
  },
  {
    id: 'el-bank',
    category: 'electronics',
    name: 'Power bank 20,000 mAh',
    price: 59,
    hue: 260,
    icon: '🔋',
  },
  { id: 'od-boots', category: 'outdoor', name: 'Hiking boots', price: 139, hue: 120, icon: '🥾' },
  {
    id: 'od-jacket',
    category: 'outdoor',
    name: 'Packable rain jacket',
    price: 99,
    hue: 140,
    icon: '🧥',
  },
  {
    id: 'od-bottle',
    category: 'outdoor',
    name: 'Insulated bottle',
    price: 25,
    hue: 160,
    icon: '🧴',
  },
]

export const VISAS = {
  japan: { title: 'Japan', flag: '🇯🇵', days: 90, fee: 'free for many passports', flight: 'fl-tyo' },
  france: { title: 'France (Schengen)', flag: '🇫🇷', days: 90, fee: '€80', flight: 'fl-par' },
  usa: { title: 'United States', flag: '🇺🇸', days: 90, fee: 'ESTA $21', flight: 'fl-nyc' },
}

export const COUPONS = [
  {
    id: 'SPRING10',
    campaign: 'spring',
    title: '10% off everything',
    detail: 'Until the end of the month.',
  },
  {
    id: 'BAGS20',
    campaign: 'luggage',
    title: '20% off luggage',
    detail: 'Cabin and check-in bags.',
  },
  { id: 'FLY50', campaign: 'flights', title: '$50 off a flight', detail: 'On trips over $500.' },
  {
    id: 'TECH15',
    campaign: 'tech',
    title: '15% off travel tech',
    detail: 'Adapters, earbuds, power.',
  },
]

export const product = (id) => PRODUCTS.find((p) => p.id === id)
