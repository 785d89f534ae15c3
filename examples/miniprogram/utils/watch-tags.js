// Keeps `data.tags` of a page equal to tw.tags() while the page shows: call it in onShow and call
// what it returns in onHide/onUnload. The WXML then reads tags directly:
// <view wx:if="{{tags.coupon_claimer}}">…</view>
function watchTags(page, tw) {
  const apply = () => page.setData({ tags: tw.tags() })
  apply()
  tw.ready.then(apply)
  return tw.on('change', apply)
}

module.exports = { watchTags }
