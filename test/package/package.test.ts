// The npm package as an app gets it (issue 18): `npm pack`, installed from the tarball into a fresh
// project (test/package/fixture/), type-checked by a strict app without skipLibCheck under
// `nodenext` and `bundler` resolution, bundled with code splitting, and run in Node.
//
// It packs dist/ as `npm run build` left it (`npm test` builds first): packing with the build would
// rebuild dist/ under the other test projects' feet. Offline: the package's dependencies are
// installed as links to this repo's node_modules, TypeScript and esbuild run from it.
import { spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build, type Metafile } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LAZY_CHUNKS } from '../../scripts/lazy-chunks.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const FIXTURE = fileURLToPath(new URL('./fixture/', import.meta.url))
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc')

interface Manifest {
  dependencies: Record<string, string>
  bin: Record<string, string>
  exports: Record<string, string | { types?: string; default: string }>
}
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Manifest

/** The package's subpath exports but `./package.json`, as an app imports them (`tagwise/rules`). */
const entries = Object.entries(manifest.exports).flatMap(([subpath, target]) =>
  typeof target === 'string' ? [] : [{ name: `tagwise${subpath.slice(1)}`, ...target }],
)

/**
 * How much larger than tagwise.js an app's initial load of the SDK may be: esbuild's minifier
 * instead of Terser's (about 6 %), and the shared chunks' import/export glue and their gzip each on
 * its own (about 12 %). Measured 1.21; 1.33 while modules that only lazy parts need were reached
 * from the SDK's entry (a bundler splits by module: issue 18).
 */
const NEAR = 1.25

/** The output files an app loads at start: its entry and what that imports statically. */
function initialLoad(metafile: Metafile): Set<string> {
  const entry = Object.keys(metafile.outputs).find((file) => metafile.outputs[file]!.entryPoint)!
  const files = new Set<string>()
  const visit = (file: string) => {
    if (files.has(file)) return
    files.add(file)
    for (const { path, kind } of metafile.outputs[file]!.imports) {
      if (kind === 'import-statement') visit(path)
    }
  }
  visit(entry)
  return files
}

/** Runs a command; its output when it fails. */
function run(command: string, args: string[], cwd: string) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' })
  return {
    ok: result.status === 0,
    stdout: result.stdout,
    output: `${result.stdout}${result.stderr}`,
  }
}

// Each step runs a compiler or npm: seconds alone, longer on a machine busy with the other suites.
let dir: string
let app: string
let packed: string[]

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tagwise-package-'))
  const pack = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT)
  if (!pack.ok) throw new Error(pack.output)
  const [report] = JSON.parse(pack.stdout) as {
    filename: string
    files: { path: string }[]
  }[]
  packed = report!.files.map(({ path }) => path)

  app = join(dir, 'app')
  cpSync(FIXTURE, app, { recursive: true })
  // Every export at once, so an export added to package.json is type-checked too.
  writeFileSync(
    join(app, 'web/every-export.ts'),
    entries.map(({ name }, i) => `export * as export${i} from '${name}'\n`).join(''),
  )
  const links = Object.keys(manifest.dependencies).map((name) => [
    name,
    `file:${join(ROOT, 'node_modules', name)}`,
  ])
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({
      name: 'app',
      private: true,
      type: 'module',
      dependencies: {
        tagwise: `file:${join(dir, report!.filename)}`,
        ...Object.fromEntries(links),
      },
    }),
  )
  const install = run(
    'npm',
    ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'],
    app,
  )
  if (!install.ok) throw new Error(install.output)
}, 60_000)

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('the packed package', () => {
  it('ships JavaScript and declarations for every export, and no sources or tests', () => {
    for (const { name, types, default: js } of entries) {
      expect(types, `${name}: types`).toMatch(/\.d\.ts$/)
      expect(packed, name).toContain(types!.slice(2))
      expect(packed, name).toContain(js.slice(2))
    }
    for (const bin of Object.values(manifest.bin)) expect(packed).toContain(bin)
    expect(packed).toContain('dist/cli.js')
    // Declarations only: an app's compiler checks .ts sources with its own options.
    expect(packed.filter((path) => /\.tsx?$/.test(path) && !path.endsWith('.d.ts'))).toEqual([])
    expect(
      packed.filter((path) =>
        /^(test|collector|examples|scripts|migrations|dist\/public)\//.test(path),
      ),
    ).toEqual([])
  })

  it('depends on exactly the packages its JavaScript imports', () => {
    const imported = new Set<string>()
    for (const file of packed.filter((path) => path.endsWith('.js'))) {
      const code = readFileSync(join(app, 'node_modules/tagwise', file), 'utf8')
      for (const [, specifier] of code.matchAll(
        /(?:from|import)\s*\(?\s*["']([^"'.][^"']*)["']/g,
      )) {
        if (!specifier!.startsWith('node:')) imported.add(specifier!.split('/')[0]!)
      }
    }
    expect([...imported].sort()).toEqual(Object.keys(manifest.dependencies).sort())
  })

  for (const resolution of ['nodenext', 'bundler', 'node10']) {
    it(`type-checks in a strict app with ${resolution} resolution, without skipLibCheck`, () => {
      const module = resolution === 'nodenext' ? 'nodenext' : 'esnext'
      for (const project of ['web', 'miniprogram']) {
        const flags = ['--module', module, '--moduleResolution', resolution]
        const check = run(process.execPath, [TSC, '-p', project, ...flags], app)
        expect(check.output, project).toBe('')
        expect(check.ok, project).toBe(true)
      }
    }, 60_000)
  }

  it('bundled with code splitting, keeps the lazy parts out of the initial load', async () => {
    const { metafile, outputFiles } = await build({
      absWorkingDir: app,
      entryPoints: ['web/app.ts'],
      bundle: true,
      splitting: true,
      format: 'esm',
      minify: true,
      outdir: 'out',
      write: false,
      metafile: true,
      logLevel: 'silent',
    })
    const initial = initialLoad(metafile)
    const inputsOf = (files: Iterable<string>) =>
      [...files].flatMap((file) => Object.keys(metafile.outputs[file]!.inputs))
    // Each lazy part (scripts/lazy-chunks.js) is in the bundle, outside the initial load.
    const lazy = [...LAZY_CHUNKS.map(({ entry }) => basename(entry, '.ts')), 'web-vitals']
    const laterInputs = inputsOf(Object.keys(metafile.outputs).filter((file) => !initial.has(file)))
    for (const part of lazy) {
      expect(
        inputsOf(initial).filter((input) => input.includes(part)),
        part,
      ).toEqual([])
      expect(laterInputs.filter((input) => input.includes(part)).length, part).toBeGreaterThan(0)
    }
    // The initial load, every file gzipped as it is served, stays near the script-tag build (which
    // is minified by Terser and lacks the ES module glue of the shared chunks).
    const gzipped = outputFiles
      .filter((file) => initial.has(relative(app, file.path)))
      .reduce((sum, file) => sum + gzipSync(file.contents).length, 0)
    const script = gzipSync(readFileSync(join(app, 'node_modules/tagwise/dist/tagwise.js'))).length
    expect(gzipped).toBeLessThan(script * NEAR)
  }, 60_000)

  it('runs in Node: the engine and the CLI', () => {
    const engine = run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import { checkRules } from 'tagwise/rules'; console.log(checkRules({ version: 1, metrics: {}, tags: {} }).ok)",
      ],
      app,
    )
    expect(engine.output).toBe('true\n')
    const cli = run(process.execPath, ['node_modules/.bin/tagwise', '--help'], app)
    expect(cli.ok, cli.output).toBe(true)
    expect(cli.output).toMatch(/tagwise check/)
  }, 60_000)
})
