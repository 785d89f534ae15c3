const { watchTags } = require('../utils/watch-tags.js')

const { tw } = getApp()

Page({
  data: { tags: {}, total: 120 },
  // checkout_hesitant turns on after 10 s of foreground time on /checkout/** with no event: the
  // 'change' listener of watchTags calls setData and the help block appears.
  onShow() {
    this.unwatch = watchTags(this, tw)
  },
  onHide() {
    this.unwatch()
  },
  onUnload() {
    this.unwatch()
  },
  placeOrder() {
    tw.track('Order Completed', { revenue: this.data.total, currency: 'USD' })
    wx.showToast({ title: 'Order placed', icon: 'success' })
    wx.redirectTo({ url: '/home/index' })
  },
  contact() {
    tw.track('Help Requested', { topic: 'checkout' })
    wx.showModal({ title: 'Travel expert', content: 'We will call you back within 5 minutes.' })
  },
})
