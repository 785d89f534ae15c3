// Assembles dist/public/, the Worker's static assets (wrangler.toml [assets]) served next to the API:
// - /tagwise.js and its lazy chunks (scripts/lazy-chunks.js), latest and versioned
//   (/sdk/<version>/), for any site to embed (scripts/sdk-assets.js);
// - examples/shop/** at / (the demo shop) and examples/dashboard/** at /dashboard/.
// Rebuilt from scratch each time, so a file removed from examples/ is not served any more.
import { publishSdkAssets, scriptTag } from './sdk-assets.js'
import { cp, mkdir, rm, stat, writeFile } from 'node:fs/promises'

const OUT = 'dist/public'

const exists = (path) =>
  stat(path).then(
    () => true,
    () => false,
  )

export async function buildSite() {
  await rm(OUT, { recursive: true, force: true })
  await mkdir(OUT, { recursive: true })
  if (await exists('examples/shop')) await cp('examples/shop', OUT, { recursive: true })
  else
    await writeFile(
      `${OUT}/index.html`,
      '<!doctype html><title>tagwise</title><p>The tagwise collector. API under /v1.</p>\n',
    )
  if (await exists('examples/dashboard'))
    await cp('examples/dashboard', `${OUT}/dashboard`, { recursive: true })
  const release = await publishSdkAssets(OUT)
  console.log(
    `tagwise.js ${release.version}, to embed with Subresource Integrity:\n  ${scriptTag(release)}`,
  )
}

if (import.meta.url === `file://${process.argv[1]}`) await buildSite()
