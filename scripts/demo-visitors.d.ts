/** The events of `count` demo visitors (one array each, oldest first): see demo-visitors.js. */
export function demoVisitors(options: {
  count: number
  seed: number
  now: number
}): Record<string, unknown>[][]
