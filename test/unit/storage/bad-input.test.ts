import { statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { PartitionLog } from '../../../src/storage/index.js'
import { crc32c } from '../../../src/storage/native.js'
import { makeBatch } from '../../helpers/record-batch.js'
import { tempDir } from '../../helpers/temp-dir.js'

function recrc(batch: Buffer): Buffer {
  batch.writeUInt32BE(crc32c(batch.subarray(21)), 17)
  return batch
}

const cases: Array<[string, () => Buffer, string, RegExp]> = [
  ['wrong magic', () => { const b = makeBatch(); b[16] = 1; return b }, 'SEGLOG_INVALID_MAGIC', /magic 1, expected 2/],
  ['bad CRC', () => { const b = makeBatch({ records: 3 }); b[b.length - 1]! ^= 0xff; return b }, 'SEGLOG_CORRUPT_MESSAGE', /CRC-32C/],
  ['length field past the buffer', () => { const b = makeBatch(); b.writeInt32BE(b.length, 8); return b }, 'SEGLOG_BATCH_LENGTH_PAST_BUFFER', /runs past the end/],
  ['empty buffer', () => Buffer.alloc(0), 'SEGLOG_EMPTY_RECORD_SET', /empty/],
  ['oversize batch', () => makeBatch({ valueSize: 1_100_000 }), 'SEGLOG_MESSAGE_TOO_LARGE', /max\.message\.bytes = 1048588/],
  ['lastOffsetDelta not matching recordsCount', () => { const b = makeBatch({ records: 2 }); b.writeInt32BE(4, 23); return recrc(b) }, 'SEGLOG_BATCH_OFFSET_DELTA_MISMATCH', /lastOffsetDelta 4/],
  ['non-zero client baseOffset', () => { const b = makeBatch(); b.writeBigInt64BE(5n, 0); return b }, 'SEGLOG_BATCH_NONZERO_BASE_OFFSET', /baseOffset must be 0/],
  ['control batch from a client', () => makeBatch({ control: true }), 'SEGLOG_BATCH_CONTROL_FROM_CLIENT', /control/],
  ['a good batch followed by a torn one', () => Buffer.concat([makeBatch(), makeBatch().subarray(0, 40)]), 'SEGLOG_BATCH_SHORTER_THAN_HEADER', /61-byte batch header/],
]

describe('appendAsLeader rejects bad input', () => {
  for (const [name, build, code, message] of cases) {
    it(`rejects ${name} with ${code} and writes nothing`, async () => {
      const dir = tempDir()
      const log = await PartitionLog.open(dir)
      log.appendAsLeader(makeBatch(), 0)
      const size = log.size
      let error: unknown
      try {
        log.appendAsLeader(build(), 0)
      } catch (e) {
        error = e
      }
      expect(error).toMatchObject({ code, message: expect.stringMatching(message) })
      expect([log.size, log.logEndOffset]).toEqual([size, 1])
      expect(statSync(join(dir, '00000000000000000000.log')).size).toBe(size)
      await log.close()
    })
  }

  it('accepts what the options allow', async () => {
    const log = await PartitionLog.open(tempDir())
    const b = makeBatch()
    b.writeBigInt64BE(5n, 0)
    expect(log.appendAsLeader(b, 0, { requireZeroBaseOffset: false }).baseOffset).toBe(0)
    expect(log.appendAsLeader(makeBatch({ control: true }), 0, { allowControlBatches: true }).baseOffset).toBe(1)
    await log.close()
  })
})
