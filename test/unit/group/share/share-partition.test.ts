import { describe, expect, it } from 'vitest'
import { KafkaErrorCodes } from '../../../../src/protocol/error-codes.js'
import { AcknowledgeType, type LogBatch, RecordState, SharePartition } from '../../../../src/group/share/share-partition.js'

const config = { lockDurationMs: 1000, deliveryCountLimit: 3, maxRecordLocks: 100 }
const { ACCEPT, RELEASE, REJECT, GAP } = AcknowledgeType

/** Log batches of `size` records each from `from`, as a read of the log would offer them. */
function batches(from: number, count: number, size = 1): LogBatch[] {
  return Array.from({ length: count }, (_, i) => ({ baseOffset: from + i * size, lastOffset: from + (i + 1) * size - 1, skip: false }))
}

/** What the share-partition would offer from where a fetch reads (offsets from..to). */
function offer(partition: SharePartition, logEnd: number, size = 1): LogBatch[] {
  const from = partition.nextFetchOffset()
  if (from < 0 || from >= logEnd) return []
  const start = from - (from % size)
  return batches(start, Math.ceil((logEnd - start) / size), size)
}

describe('SharePartition', () => {
  it('acquires new records for one member, whole batches, and locks them from everyone else', () => {
    const partition = new SharePartition(config, 0)
    const first = partition.acquire('a', offer(partition, 10, 5), 3, 0)
    // max records 3, but the batch of five is taken whole, as Kafka does.
    expect(first.ranges).toEqual([{ firstOffset: 0, lastOffset: 4, deliveryCount: 1 }])
    expect(first.batchesUsed).toBe(1)
    expect(partition.endOffset).toBe(5)
    const second = partition.acquire('b', offer(partition, 10, 5), 100, 0)
    expect(second.ranges).toEqual([{ firstOffset: 5, lastOffset: 9, deliveryCount: 1 }])
    expect(partition.acquire('c', offer(partition, 10, 5), 100, 0).ranges).toEqual([])
  })

  it('ACCEPT settles records for good and moves the start offset past them', () => {
    const partition = new SharePartition(config, 0)
    partition.acquire('a', offer(partition, 4), 100, 0)
    expect(partition.acknowledge('a', 0, 1, [ACCEPT])).toBe(KafkaErrorCodes.NONE)
    expect(partition.startOffset).toBe(2)
    expect(partition.stateOf(0)).toBe(RecordState.ACKNOWLEDGED)
    expect(partition.stateOf(2)).toBe(RecordState.ACQUIRED)
  })

  it('a RELEASEd record goes to the next member that fetches, with its delivery count raised', () => {
    const partition = new SharePartition(config, 0)
    partition.acquire('a', offer(partition, 3), 100, 0)
    expect(partition.acknowledge('a', 1, 1, [RELEASE])).toBe(KafkaErrorCodes.NONE)
    expect(partition.nextFetchOffset()).toBe(1)
    const again = partition.acquire('b', offer(partition, 3), 100, 0)
    expect(again.ranges).toEqual([{ firstOffset: 1, lastOffset: 1, deliveryCount: 2 }])
  })

  it('a REJECTed record is archived and never offered again', () => {
    const partition = new SharePartition(config, 0)
    partition.acquire('a', offer(partition, 3), 100, 0)
    expect(partition.acknowledge('a', 0, 2, [ACCEPT, REJECT, ACCEPT])).toBe(KafkaErrorCodes.NONE)
    expect(partition.startOffset).toBe(3)
    expect(partition.nextFetchOffset()).toBe(3)
    expect(partition.acquire('b', offer(partition, 3), 100, 0).ranges).toEqual([])
  })

  it('a lock that times out makes the record available to another member', () => {
    const partition = new SharePartition(config, 0)
    partition.acquire('a', offer(partition, 2), 100, 0)
    expect(partition.releaseExpiredLocks(999)).toBe(0)
    expect(partition.releaseExpiredLocks(1000)).toBe(2)
    expect(partition.acquire('b', offer(partition, 2), 100, 1000).ranges).toEqual([{ firstOffset: 0, lastOffset: 1, deliveryCount: 2 }])
    // The first member's late acknowledgement is refused: the records are b's now.
    expect(partition.acknowledge('a', 0, 1, [ACCEPT])).toBe(KafkaErrorCodes.INVALID_RECORD_STATE)
    expect(partition.stateOf(0)).toBe(RecordState.ACQUIRED)
  })

  it('archives a record released once it has been delivered group.share.delivery.count.limit times', () => {
    const partition = new SharePartition(config, 0)
    for (let delivery = 1; delivery <= 3; delivery++) {
      const got = partition.acquire('a', offer(partition, 1), 100, 0)
      expect(got.ranges).toEqual([{ firstOffset: 0, lastOffset: 0, deliveryCount: delivery }])
      partition.acknowledge('a', 0, 0, [RELEASE])
    }
    expect(partition.stateOf(0)).toBe(RecordState.ACKNOWLEDGED) // below the SPSO: done with
    expect(partition.startOffset).toBe(1)
    expect(partition.acquire('a', offer(partition, 1), 100, 0).ranges).toEqual([])
  })

  it('stops acquiring new records while the in-flight window is full, and resumes as it drains', () => {
    const partition = new SharePartition({ ...config, maxRecordLocks: 10 }, 0)
    expect(partition.acquire('a', offer(partition, 100, 5), 1000, 0).ranges).toEqual([{ firstOffset: 0, lastOffset: 9, deliveryCount: 1 }])
    expect(partition.nextFetchOffset()).toBe(-1)
    expect(partition.acquire('b', batches(10, 5, 5), 1000, 0).ranges).toEqual([])
    // Offset 0 still acquired holds the window even when the rest is accepted.
    partition.acknowledge('a', 1, 9, [ACCEPT])
    expect(partition.startOffset).toBe(0)
    expect(partition.nextFetchOffset()).toBe(-1)
    partition.acknowledge('a', 0, 0, [ACCEPT])
    expect(partition.startOffset).toBe(10)
    expect(partition.acquire('b', offer(partition, 100, 5), 1000, 0).ranges).toEqual([{ firstOffset: 10, lastOffset: 19, deliveryCount: 1 }])
  })

  it('refuses an acknowledgement of records the member does not hold, changing nothing', () => {
    const partition = new SharePartition(config, 0)
    partition.acquire('a', offer(partition, 3), 100, 0)
    expect(partition.acknowledge('b', 0, 0, [ACCEPT])).toBe(KafkaErrorCodes.INVALID_RECORD_STATE)
    expect(partition.acknowledge('a', 1, 5, [ACCEPT])).toBe(KafkaErrorCodes.INVALID_RECORD_STATE)
    expect(partition.acknowledge('a', 0, 2, [ACCEPT, ACCEPT])).toBe(KafkaErrorCodes.INVALID_REQUEST)
    expect(partition.acknowledge('a', 0, 2, [ACCEPT, 9, ACCEPT])).toBe(KafkaErrorCodes.INVALID_REQUEST)
    for (const offset of [0, 1, 2]) expect(partition.stateOf(offset)).toBe(RecordState.ACQUIRED)
  })

  it('archives control records and aborted ones without giving them out, and GAP archives', () => {
    const partition = new SharePartition(config, 0)
    const got = partition.acquire('a', [
      { baseOffset: 0, lastOffset: 1, skip: false },
      { baseOffset: 2, lastOffset: 2, skip: true },
      { baseOffset: 3, lastOffset: 3, skip: false },
    ], 100, 0)
    expect(got.ranges).toEqual([{ firstOffset: 0, lastOffset: 1, deliveryCount: 1 }, { firstOffset: 3, lastOffset: 3, deliveryCount: 1 }])
    expect(partition.acknowledge('a', 0, 1, [ACCEPT, GAP])).toBe(KafkaErrorCodes.NONE)
    expect(partition.stateOf(1)).toBe(RecordState.ACKNOWLEDGED)
    expect(partition.startOffset).toBe(3)
  })

  it('releases what a departed member held', () => {
    const partition = new SharePartition(config, 0)
    partition.acquire('a', offer(partition, 2), 1, 0)
    partition.acquire('b', offer(partition, 2), 1, 0)
    expect(partition.releaseMember('a')).toBe(1)
    expect(partition.stateOf(0)).toBe(RecordState.AVAILABLE)
    expect(partition.stateOf(1)).toBe(RecordState.ACQUIRED)
  })

  it('restores from its snapshot: accepted records stay done, held ones come back available with their count', () => {
    const partition = new SharePartition(config, 0)
    partition.acquire('a', offer(partition, 6), 100, 0)
    partition.acknowledge('a', 0, 0, [ACCEPT])
    partition.acknowledge('a', 2, 2, [ACCEPT])
    partition.acknowledge('a', 3, 3, [REJECT])
    partition.acknowledge('a', 4, 4, [RELEASE])
    const snapshot = JSON.parse(JSON.stringify(partition.snapshot())) as ReturnType<SharePartition['snapshot']>
    expect(snapshot.startOffset).toBe(1)
    const restored = SharePartition.restore(config, snapshot)
    expect(restored.startOffset).toBe(1)
    expect(restored.endOffset).toBe(6)
    expect([1, 2, 3, 4, 5].map((o) => restored.stateOf(o))).toEqual([
      RecordState.AVAILABLE, RecordState.ACKNOWLEDGED, RecordState.ARCHIVED, RecordState.AVAILABLE, RecordState.AVAILABLE,
    ])
    // Offered again: only the available ones, each with its delivery count carried over.
    const got = restored.acquire('b', offer(restored, 6), 100, 0)
    expect(got.ranges).toEqual([{ firstOffset: 1, lastOffset: 1, deliveryCount: 2 }, { firstOffset: 4, lastOffset: 5, deliveryCount: 2 }])
  })

  it('moves its start offset forward when told (the log start passed it)', () => {
    const partition = new SharePartition(config, 0)
    partition.acquire('a', offer(partition, 5), 100, 0)
    partition.resetStartOffset(3)
    expect(partition.startOffset).toBe(3)
    expect(partition.stateOf(3)).toBe(RecordState.ACQUIRED)
    partition.resetStartOffset(10)
    expect(partition.startOffset).toBe(10)
    expect(partition.endOffset).toBe(10)
  })
})
