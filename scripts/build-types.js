// Builds the type declarations of the npm package (dist/types/): one .d.ts per source module
// reachable from the package's exports, so TypeScript apps type-check against declarations, never
// against the package's .ts sources (which an app's compiler would check with its own options, and
// reject for their `.ts` import paths under `nodenext`; issue 18).
//
// Generic over the exports: every export of package.json whose `types` is
// `./dist/types/<path>.d.ts` is built from `<path>.ts`, so a new export needs only its entry in
// package.json. test/package/ packs the package and type-checks an app against it.
import { execFile } from 'node:child_process'
import { readFile, rm } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import ts from 'typescript'

const OUT_DIR = 'dist/types'
const TYPES = /^\.\/dist\/types\/(.+)\.d\.ts$/

/** The source entry of every export whose declarations this script builds. */
export async function declarationEntries() {
  const { exports } = JSON.parse(await readFile('package.json', 'utf8'))
  const entries = []
  for (const conditions of Object.values(exports)) {
    const types = typeof conditions === 'object' ? conditions.types : undefined
    const match = types === undefined ? null : TYPES.exec(types)
    if (match) entries.push(`${match[1]}.ts`)
  }
  return entries
}

/**
 * Rewrites the relative `.ts` import paths the sources use (`allowImportingTsExtensions`) to the
 * `.js` that a declaration's import must name under Node's ESM resolution (and that `bundler`
 * resolution accepts too). TypeScript's `rewriteRelativeImportExtensions` rewrites the JavaScript
 * it emits, not its declarations.
 */
function rewriteImportPaths(context) {
  const { factory } = context
  const rewrite = (text) => (/^\.\.?\/.*\.ts$/.test(text) ? text.replace(/\.ts$/, '.js') : text)
  const visit = (node) => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      const specifier = factory.createStringLiteral(rewrite(node.moduleSpecifier.text))
      return ts.isImportDeclaration(node)
        ? factory.updateImportDeclaration(
            node,
            node.modifiers,
            node.importClause,
            specifier,
            node.attributes,
          )
        : factory.updateExportDeclaration(
            node,
            node.modifiers,
            node.isTypeOnly,
            node.exportClause,
            specifier,
            node.attributes,
          )
    }
    // `import("./x.ts").T`, which declarations use for types they infer from another module.
    if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      return factory.updateImportTypeNode(
        node,
        factory.updateLiteralTypeNode(
          node.argument,
          factory.createStringLiteral(rewrite(node.argument.literal.text)),
        ),
        node.attributes,
        node.qualifier,
        ts.visitNodes(node.typeArguments, visit, ts.isTypeNode),
        node.isTypeOf,
      )
    }
    return ts.visitEachChild(node, visit, context)
  }
  return (file) => (ts.isSourceFile(file) ? ts.visitEachChild(file, visit, context) : file)
}

/**
 * Builds the declarations in a process of its own: the type checker's seconds of CPU then overlap
 * the other builds (esbuild, Terser) instead of blocking their event loop.
 */
export async function buildTypes() {
  await promisify(execFile)(process.execPath, [fileURLToPath(import.meta.url)])
}

async function emitDeclarations() {
  // Declarations of modules that no longer exist must not ship.
  await rm(OUT_DIR, { recursive: true, force: true })
  const config = ts.getParsedCommandLineOfConfigFile(
    'tsconfig.json',
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'))
      },
    },
  )
  const program = ts.createProgram(await declarationEntries(), {
    ...config.options,
    noEmit: false,
    declaration: true,
    emitDeclarationOnly: true,
    outDir: OUT_DIR,
    rootDir: '.',
    // The declarations must not lean on Node's types: the SDK's apps run in browsers and
    // mini-programs.
    types: [],
  })
  const result = program.emit(undefined, undefined, undefined, true, {
    afterDeclarations: [rewriteImportPaths],
  })
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics]
  if (diagnostics.length > 0) {
    throw new Error(
      ts.formatDiagnostics(diagnostics, {
        getCanonicalFileName: (name) => name,
        getCurrentDirectory: ts.sys.getCurrentDirectory,
        getNewLine: () => '\n',
      }),
    )
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await emitDeclarations()
