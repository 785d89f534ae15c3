// The script-tag SDK as the collector serves it to other sites (called by scripts/build-site.js),
// from the files scripts/build-sdk.js built:
// - /tagwise.js and its lazy chunks: the latest, revalidated on every use (Workers' default
//   `Cache-Control: public, max-age=0, must-revalidate`), for tags that always want the newest;
// - /sdk/<version>/tagwise.js and its chunks: one release, never changed, cached for a year
//   (`immutable`), for tags pinned with Subresource Integrity. The script loads its chunks relative
//   to its own URL (scripts/lazy-chunks.js), so a versioned script loads the same version's chunks.
// Both with `Access-Control-Allow-Origin: *`: a chunk is loaded by `import()`, a CORS request, from
// whatever site embeds the script, and an SRI-checked script (`crossorigin="anonymous"`) is one
// too. They are public code and carry no credentials. The headers come from the assets' `_headers`
// file (Workers Static Assets apply it, `wrangler dev` too), appended to the one the demo shop has.
//
// <version> is the package version and a hash of the script and all its chunks: the package version
// says which release it is; the hash makes the URL change whenever any byte of it does, so an
// immutable URL never serves two contents (a rebuild of an unreleased version, a dependency
// update) and an integrity hash published for it stays true. All files are hashed together: the
// script imports its chunks by fixed names, so its own bytes do not change when a chunk's do.
import { createHash } from 'node:crypto'
import { appendFile, cp, mkdir, readFile, writeFile } from 'node:fs/promises'
import { LAZY_CHUNKS } from './lazy-chunks.js'

const FILES = ['tagwise.js', ...LAZY_CHUNKS.map((chunk) => chunk.file)]
const PUBLIC = ['Access-Control-Allow-Origin: *', 'Cross-Origin-Resource-Policy: cross-origin']

/** Where the release manifest is written (the e2e suite reads it too). */
export const SDK_RELEASE = 'dist/sdk-release.json'

/**
 * Copies the script and its chunks into `out` at / and /sdk/<version>/, appends their headers to
 * `out/_headers` and writes {@link SDK_RELEASE}: `{ version, path, integrity }`.
 */
export async function publishSdkAssets(out) {
  const contents = await Promise.all(FILES.map((file) => readFile(`dist/${file}`)))
  const { version: packageVersion } = JSON.parse(await readFile('package.json', 'utf8'))
  const hash = createHash('sha256')
  FILES.forEach((file, i) => hash.update(`${file}\0`).update(contents[i]))
  const version = `${packageVersion}-${hash.digest('hex').slice(0, 12)}`
  const dir = `${out}/sdk/${version}`
  await mkdir(dir, { recursive: true })
  for (const file of FILES) {
    await cp(`dist/${file}`, `${out}/${file}`)
    await cp(`dist/${file}`, `${dir}/${file}`)
  }
  const integrity = `sha384-${createHash('sha384').update(contents[0]).digest('base64')}`
  const release = { version, path: `/sdk/${version}/tagwise.js`, integrity }
  await writeFile(SDK_RELEASE, `${JSON.stringify(release, null, 2)}\n`)
  const rule = (path, headers) => `${path}\n${headers.map((h) => `  ${h}\n`).join('')}`
  await appendFile(
    `${out}/_headers`,
    [
      '\n# The script-tag SDK (scripts/sdk-assets.js): public code, loaded by other sites.',
      ...FILES.map((file) => rule(`/${file}`, PUBLIC)),
      rule('/sdk/*', [...PUBLIC, 'Cache-Control: public, max-age=31536000, immutable']),
    ].join('\n'),
  )
  return release
}

/** The script tag a site pastes, for the collector at `origin`. */
export const scriptTag = ({ path, integrity }, origin = 'https://<your collector>') =>
  `<script async src="${origin}${path}" integrity="${integrity}" crossorigin="anonymous" data-write-key="…"></script>`
