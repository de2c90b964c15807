/**
 * replication-offset-checkpoint: high watermarks survive a restart in Kafka's file format, and a
 * partition started from one never shows consumers past it (nor outside its log).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { BrokerConfig } from '../../../src/common/config/broker-config.js'
import { HIGH_WATERMARK_CHECKPOINT, HighWatermarkCheckpoint } from '../../../src/replication/high-watermark-checkpoint.js'
import { Partition } from '../../../src/replication/partition.js'
import { PartitionLog } from '../../../src/storage/index.js'
import { ProducerStateManager } from '../../../src/storage/producer-state.js'
import { makeBatch } from '../../helpers/record-batch.js'
import { tempDir } from '../../helpers/temp-dir.js'

const open: PartitionLog[] = []
afterEach(async () => {
  for (const log of open.splice(0)) await log.close()
})

describe('HighWatermarkCheckpoint', () => {
  it('writes Kafka\'s "<topic> <partition> <offset>" file and reads it back after a restart', async () => {
    const dir = tempDir('samsa-hw-')
    await new HighWatermarkCheckpoint(dir).write([{ topic: 'orders', partition: 0, offset: 42 }, { topic: 'orders', partition: 1, offset: 7 }])
    expect(readFileSync(join(dir, HIGH_WATERMARK_CHECKPOINT), 'utf8')).toBe('0\n2\norders 0 42\norders 1 7\n')
    expect(await new HighWatermarkCheckpoint(dir).read()).toEqual(new Map([['orders 0', 42], ['orders 1', 7]]))
    expect(await new HighWatermarkCheckpoint(tempDir('samsa-hw-')).read()).toEqual(new Map())
  })

  it('starts a partition at the checkpointed high watermark, clamped to its log, so consumers see no more than was committed', async () => {
    const log = await PartitionLog.open(tempDir('samsa-hw-'))
    open.push(log)
    for (let i = 0; i < 5; i++) log.appendAsLeader(makeBatch({ records: 2 }), 0)
    const state = { replicas: [1, 2, 3], leader: 1, leaderEpoch: 0, partitionEpoch: 0, isr: [1, 2, 3] }
    const partition = new Partition('orders', 0, 'AAAAAAAAAAAAAAAAAAAAAA', log, BrokerConfig.load({}).topicDefaults(), new ProducerStateManager(), 1, state)
    expect(partition.highWatermark).toBe(10)
    partition.restoreHighWatermark(4)
    expect(partition.highWatermark).toBe(4)
    expect(partition.read(4, 1 << 20, 'highWatermark').records).toBeNull()
    partition.restoreHighWatermark(99)
    expect(partition.highWatermark).toBe(10)
  })
})
