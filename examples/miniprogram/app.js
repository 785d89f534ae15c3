// Creates tagwise before App() and before any page file runs, so every page is captured.
const { createTagwise } = require('./libs/tagwise-miniprogram.js')

// Your source's writeKey and your collector (its domain must be a "request" domain of the app).
const WRITE_KEY = 'demo-write-key'
const ENDPOINT = 'https://collect.example.com'

const tw = createTagwise({ writeKey: WRITE_KEY, endpoint: ENDPOINT, debug: true })

App({
  tw,
  onLaunch() {
    // A logged-in user: tw.identify(userId, traits, { userHash }) once you know them (userHash:
    // from your backend, hex HMAC-SHA256 of the userId with the source's identity secret).
  },
})
