// The script-tag build (`tagwise.js`): creates `window.tagwise` from the script's data attributes
// and replays the calls queued before it loaded. Sites add, before any call:
//
//   <script>
//     window.tagwise = window.tagwise || { q: [] };
//     ['page', 'track', 'identify', 'alias', 'reset', 'consent', 'on'].forEach(function (m) {
//       window.tagwise[m] = window.tagwise[m] || function () { window.tagwise.q.push([m, arguments]) }
//     })
//   </script>
//   <script async src="https://collector.example.com/tagwise.js" data-write-key="…"></script>
//
// Attributes: `data-write-key` (required), `data-endpoint` (default: the script's origin),
// `data-consent="false"`, `data-debug`. The page view at start is automatic: do not queue one.
import type { Tagwise } from '../core/api.ts'
import { createTagwise } from './create-tagwise.ts'

type Stub = { q?: [keyof Tagwise, ArrayLike<unknown>][] }
const w = window as unknown as { tagwise?: Tagwise | Stub }

try {
  const script = (document.currentScript ??
    document.querySelector('script[data-write-key]')) as HTMLScriptElement | null
  const data = script?.dataset ?? {}
  const queued = (w.tagwise as Stub | undefined)?.q ?? []
  const tw = createTagwise({
    writeKey: data.writeKey ?? '',
    endpoint: data.endpoint ?? (script?.src ? new URL(script.src).origin : location.origin),
    consent: data.consent !== 'false',
    debug: data.debug !== undefined,
  })
  w.tagwise = tw
  for (const [method, args] of queued) {
    const fn = tw[method] as ((...a: unknown[]) => unknown) | undefined
    if (typeof fn === 'function') fn.apply(tw, args as unknown[])
  }
} catch {
  // Never break the host page.
}
