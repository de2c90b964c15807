/**
 * The entry of the CommonJS build (src/packaging/build-package.mjs bundles it into dist/cjs/samsa.cjs):
 * every public entry point in one bundle, so that `require('samsa')` and
 * `require('samsa/client')` share one copy of the code and its state. dist/cjs/<entry>.cjs
 * each pick their namespace from it. Not an entry point of its own.
 */
export * as broker from './index.js'
export * as client from './client/index.js'
export * as testing from './testing/index.js'
export * as log from './storage/index.js'
