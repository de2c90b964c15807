import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { KafkaErrorCodes } from '../../../src/protocol/index.js'
import { kafkaErrorByStorageCode, storageErrorCode } from '../../../src/replication/storage-errors.js'

/** Codes the engine raises for opening and configuring, never for an append or a read. */
const NOT_FROM_APPENDS_OR_READS = new Set(['SEGLOG_INVALID_CONFIG', 'SEGLOG_CORRUPT_CHECKPOINT', 'SEGLOG_DIR_LOCKED'])

describe('storageErrorCode', () => {
  it('has a Kafka error for every code the storage engine raises on appends and reads', () => {
    const source = readFileSync(new URL('../../../crates/seglog/src/error.rs', import.meta.url), 'utf8')
    const engineCodes = new Set(source.match(/"SEGLOG_[A-Z_]+"/g)!.map((quoted) => quoted.slice(1, -1)))
    expect(engineCodes.size).toBeGreaterThan(10)
    for (const code of engineCodes) {
      if (NOT_FROM_APPENDS_OR_READS.has(code)) continue
      expect(kafkaErrorByStorageCode[code], code).toBeTypeOf('number')
    }
  })

  it('tells a broken frame (CORRUPT_MESSAGE) from a well-framed batch that breaks a rule (INVALID_RECORD) by code alone', () => {
    const failure = (code: string) => Object.assign(new Error('any text at all'), { code })
    expect(storageErrorCode(failure('SEGLOG_BATCH_LENGTH_PAST_BUFFER'))).toBe(KafkaErrorCodes.CORRUPT_MESSAGE)
    expect(storageErrorCode(failure('SEGLOG_BATCH_NONZERO_BASE_OFFSET'))).toBe(KafkaErrorCodes.INVALID_RECORD)
    expect(storageErrorCode(failure('SEGLOG_RECORD_SET_TOO_LARGE'))).toBe(KafkaErrorCodes.RECORD_LIST_TOO_LARGE)
    expect(storageErrorCode(failure('SEGLOG_MESSAGE_TOO_LARGE'))).toBe(KafkaErrorCodes.MESSAGE_TOO_LARGE)
    expect(storageErrorCode(new Error('no code'))).toBe(KafkaErrorCodes.UNKNOWN_SERVER_ERROR)
  })
})
