/**
 * What the package needs beyond tsc's output (`npm run build:package`, after `npm run build:ts`;
 * `npm run build` runs both):
 *
 * - dist/crates/seglog-node/index.d.ts: the addon's typings, where the compiled declarations
 *   (dist/src/storage/native.d.ts) look for them, so TypeScript users of the package get its
 *   types whole.
 *
 * And the CommonJS build, for consumers that `require('samsa')` where require(esm) is not
 * available: jest's module loader (it runs every test file through its own `require`, which
 * refuses ES modules unless Node is 24.9+), Node before 20.19, and bundlers set to CommonJS.
 * - dist/cjs/samsa.cjs: dist/src/cjs-bundle.js bundled by esbuild, dependencies left as
 *   require() calls. `import.meta.url` becomes the bundle's own file URL: native.ts and
 *   workers/pool.ts look for crates/seglog-node and dist/src/workers/worker.js upwards from it,
 *   so the bundle finds the addon and starts the same (ES module) worker threads.
 * - dist/cjs/{index,client,testing,log}.cjs: one namespace each of samsa.cjs.
 * - crates/seglog-node/index.cjs: napi-rs's generated loader (index.js, an ES module) as
 *   CommonJS, next to the .node binaries its relative require() calls name.
 */
import { copyFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build, transform } from 'esbuild'

/** Written whole or not at all: a broker starting meanwhile (tests run in parallel) loads these. */
function writeAtomically(path, text) {
  writeFileSync(`${path}.${process.pid}.tmp`, text)
  renameSync(`${path}.${process.pid}.tmp`, path)
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const ownUrl = 'const __samsaImportMetaUrl = require("node:url").pathToFileURL(__filename).href;'
const common = { platform: 'node', target: 'node20', format: 'cjs', define: { 'import.meta.url': '__samsaImportMetaUrl' }, logLevel: 'warning' }

const typings = join(root, 'dist', 'crates', 'seglog-node')
mkdirSync(typings, { recursive: true })
copyFileSync(join(root, 'crates', 'seglog-node', 'index.d.ts'), join(typings, 'index.d.ts'))

const loader = join(root, 'crates', 'seglog-node', 'index.js')
const converted = await transform(readFileSync(loader, 'utf8'), { ...common, banner: ownUrl, loader: 'js', sourcefile: loader })
writeAtomically(join(root, 'crates', 'seglog-node', 'index.cjs'), converted.code)

const out = join(root, 'dist', 'cjs')
mkdirSync(out, { recursive: true })
const bundle = await build({ ...common, entryPoints: [join(root, 'dist', 'src', 'cjs-bundle.js')], write: false, outfile: join(out, 'samsa.cjs'), banner: { js: ownUrl }, bundle: true, packages: 'external' })
writeAtomically(join(out, 'samsa.cjs'), bundle.outputFiles[0].text)
for (const entry of ['broker', 'client', 'testing', 'log']) {
  const file = entry === 'broker' ? 'index.cjs' : `${entry}.cjs`
  writeAtomically(join(out, file), `'use strict'\n// CommonJS entry: the ${entry} namespace of the one bundle (see src/packaging/build-package.mjs).\nmodule.exports = require('./samsa.cjs').${entry}\n`)
}
