// A site on another origin than the collector (another port of 127.0.0.1), as a customer's site
// embeds the script tag: every path serves site/page.html with the tag the query asks for, under a
// strict CSP that trusts the collector's origin only (`script-src` and `connect-src`), so the SDK
// must load all it needs (its chunks, the API) from there and nothing inline.
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { join } from 'node:path'
import { freePort } from '../support/wrangler-dev.ts'

/** scripts/sdk-assets.js: the versioned script of the last build and its integrity. */
export interface SdkRelease {
  version: string
  path: string
  integrity: string
}

export const sdkRelease = (): SdkRelease =>
  JSON.parse(readFileSync(join(import.meta.dirname, '../../dist/sdk-release.json'), 'utf8'))

/** Which script tag a page has (`?tag=`), and which CSP (`?csp=`). */
export type TagKind = 'latest' | 'versioned' | 'tampered'
export type CspKind = 'collector' | 'script-only'

const PAGE = readFileSync(join(import.meta.dirname, 'site/page.html'), 'utf8')

/** The script tag as README shows it, for the collector at `collector`. */
function scriptTag(collector: string, tag: TagKind): string {
  const key = 'data-write-key="demo-write-key"'
  if (tag === 'latest') return `<script async src="${collector}/tagwise.js" ${key}></script>`
  const { path, integrity } = sdkRelease()
  // A hash of other bytes: the browser must refuse the script.
  const hash = tag === 'tampered' ? `sha384-${'A'.repeat(64)}` : integrity
  return `<script async src="${collector}${path}" integrity="${hash}" crossorigin="anonymous" ${key}></script>`
}

/**
 * `collector`: its origin in `script-src` and `connect-src`. `script-only` allows the script's own
 * file only (a path in a source matches that file), so every chunk is refused: the SDK must do
 * without them.
 */
function policy(collector: string, csp: CspKind, tag: TagKind): string {
  const scripts =
    csp === 'collector'
      ? collector
      : `${collector}${tag === 'latest' ? '/tagwise.js' : sdkRelease().path}`
  // Trusted Types as well (`require-trusted-types-for 'script'` with no policy allowed): a site that
  // enforces them refuses any string written into a script or HTML sink, which the SDK must not use.
  return `default-src 'self'; script-src ${scripts}; connect-src ${collector}; object-src 'none'; base-uri 'none'; require-trusted-types-for 'script'; trusted-types 'none'`
}

export interface OtherSite {
  /** `http://127.0.0.1:<port>`: another origin than the collector's. */
  url: string
  close(): Promise<void>
}

export async function serveOtherSite(collector: string): Promise<OtherSite> {
  const port = await freePort()
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', `http://127.0.0.1:${port}`)
    // No icon, and no 404 for it in the console the tests watch.
    if (url.pathname === '/favicon.ico') {
      response.writeHead(204).end()
      return
    }
    const tag = (url.searchParams.get('tag') ?? 'latest') as TagKind
    const csp = (url.searchParams.get('csp') ?? 'collector') as CspKind
    response.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': policy(collector, csp, tag),
    })
    response.end(PAGE.replace('{{tagwise}}', scriptTag(collector, tag)))
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
