/**
 * The one module that loads the Rust addon (crates/seglog-node). Everything else imports the
 * addon's functions and classes from here, so the rest of the code base never knows how the
 * binding is found.
 *
 * The binding (index.js) and its typings (index.d.ts) are generated next to the crate by
 * `npm run build:native` (napi-rs CLI); `npm run build:package` derives index.cjs, the same loader
 * as CommonJS. This file runs from src/ (vitest), from dist/src/ (compiled) and from the
 * CommonJS bundle dist/cjs/, in a checkout or installed under node_modules/samsa, so it finds
 * the package root instead of assuming a relative depth.
 *
 * The load is synchronous (no top-level await), so the CommonJS bundle can contain this module
 * and `require('samsa')` works. index.cjs is preferred because any `require` loads it, jest's
 * included; index.js, napi's ES module, needs Node's require(esm) (Node 20.19 and later).
 */
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type * as Addon from '../../crates/seglog-node/index.js'
import { ErrorCodes, SamsaError } from '../common/errors.js'

function bindingPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    for (const loader of ['index.cjs', 'index.js']) {
      const candidate = join(dir, 'crates', 'seglog-node', loader)
      if (existsSync(candidate)) return candidate
    }
    const parent = dirname(dir)
    if (parent === dir) {
      throw new SamsaError(
        ErrorCodes.NATIVE_LOAD,
        'The seglog addon is not built: crates/seglog-node/index.js is missing. Run `npm run build:native` (or `npm install`).',
      )
    }
    dir = parent
  }
}

const addon = createRequire(import.meta.url)(bindingPath()) as typeof Addon

export const { crc32c } = addon

// The segment log (crates/seglog through crates/seglog-node); wrapped by partition-log.ts and
// log-manager.ts, which are what the rest of the code base uses.
export const {
  NativeLog,
  readPlanSlices,
  readPlanToBuffers,
  // Takes plan handles; the rest of the code base uses writeToSocket/transferTo of transfer.ts,
  // which take ReadPlans.
  writeToSocket: writeHandlesToSocket,
  readOffsetCheckpoint,
  writeOffsetCheckpoint,
  writeFileDurably,
  syncDir,
  DirectoryLock,
  CleanerCancel,
} = addon
export type NativeLog = Addon.NativeLog
export type DirectoryLock = Addon.DirectoryLock
export type CleanerCancel = Addon.CleanerCancel
/** A read plan as the addon hands it out (an N-API External); wrapped by read-plan.ts. */
export type ReadPlanHandle = Addon.ExternalObject<'ReadPlan'>
export type {
  BatchHeaderInfo,
  CloseResult,
  EpochEndOffset,
  JsCleanableStats as CleanableStats,
  JsCleanOptions as CleanOptions,
  JsCleanStats as CleanStats,
  JsLogConfig as NativeLogConfig,
  JsRecoveryOptions as NativeRecoveryOptions,
  OffsetCheckpointEntry,
  OpenReport,
  ReadPlanSlice,
  TimestampAndOffset,
} from '../../crates/seglog-node/index.js'

// Kafka's record codecs (crates/seglog/src/codec); wrapped by codecs.ts.
export const { compress, decompress } = addon
