const { tw } = getApp()

Page({
  data: {
    campaign: '',
    claimed: '',
    coupons: [
      { id: 'spring-10', title: '10% off flights' },
      { id: 'bag-15', title: '15% off luggage' },
    ],
  },
  onLoad(query) {
    this.setData({ campaign: query.campaign || '' })
  },
  // The tap handler: one track call; coupon_claimer flips on the device at once.
  claim(e) {
    const couponId = e.currentTarget.dataset.id
    tw.track('Coupon Claimed', { coupon_id: couponId, campaign: this.data.campaign })
    this.setData({ claimed: couponId })
    wx.showToast({ title: 'Coupon saved', icon: 'success' })
  },
  openCheckout() {
    wx.navigateTo({ url: '/checkout/index' })
  },
  onShareAppMessage() {
    return { title: 'A coupon for your trip', path: '/coupon/index?campaign=shared' }
  },
})
