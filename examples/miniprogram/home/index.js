const { watchTags } = require('../utils/watch-tags.js')

const { tw } = getApp()

Page({
  data: {
    tags: {},
    products: [
      { id: 'bag-1', name: 'Cabin bag 40 L', category: 'luggage' },
      { id: 'adapter-1', name: 'Universal travel adapter', category: 'luggage' },
      { id: 'lis-1', name: 'Flight to Lisbon', category: 'flights' },
    ],
  },
  onShow() {
    this.unwatch = watchTags(this, tw)
  },
  onHide() {
    this.unwatch()
  },
  onUnload() {
    this.unwatch()
  },
  viewProduct(e) {
    const { id, category } = e.currentTarget.dataset
    tw.track('Product Viewed', { product_id: id, category })
  },
  openCoupons() {
    wx.navigateTo({ url: '/coupon/index?campaign=spring' })
  },
  openCheckout() {
    wx.navigateTo({ url: '/checkout/index' })
  },
  onShareAppMessage() {
    return { title: 'Wanderly: spring deals', path: '/home/index' }
  },
})
