/**
 * The transaction state machine of one transactional id (TransactionMetadata): every transition
 * Kafka allows, in its two steps (prepare, then complete once written), and every one it forbids.
 */
import { describe, expect, it } from 'vitest'
import { SamsaError } from '../../../src/common/errors.js'
import { KafkaErrorCodes } from '../../../src/protocol/error-codes.js'
import { TRANSACTION_STATES, type TransactionState, isValidTransition, stateFromStatus, transactionStatus } from '../../../src/transaction/transaction-state.js'
import { NO_PRODUCER_EPOCH, TransactionMetadata, type TxnTransitMetadata, isRefused } from '../../../src/transaction/transaction-metadata.js'
import { decodeTransactionLogKey, decodeTransactionLogValue, transactionLogRecordKey, transactionLogRecordValue } from '../../../src/transaction/transaction-log.js'

const NOW = 1_000_000

function metadata(state: TransactionState, epoch = 3, extra: Partial<ConstructorParameters<typeof TransactionMetadata>[0]> = {}): TransactionMetadata {
  return new TransactionMetadata({ transactionalId: 'txn', producerId: 42, producerEpoch: epoch, txnTimeoutMs: 60_000, state, txnLastUpdateTimestamp: NOW - 1, ...extra })
}

function apply(m: TransactionMetadata, transit: TxnTransitMetadata): TransactionMetadata {
  m.completeTransition(transit)
  return m
}

const ALLOWED: Record<TransactionState, TransactionState[]> = {
  Empty: ['Empty', 'CompleteCommit', 'CompleteAbort'],
  Ongoing: ['Ongoing', 'Empty', 'CompleteCommit', 'CompleteAbort'],
  PrepareCommit: ['Ongoing'],
  PrepareAbort: ['Ongoing', 'PrepareEpochFence'],
  CompleteCommit: ['PrepareCommit'],
  CompleteAbort: ['PrepareAbort'],
  Dead: ['Empty', 'CompleteCommit', 'CompleteAbort'],
  PrepareEpochFence: ['Ongoing'],
}

describe('transaction states', () => {
  it('allows exactly the transitions Kafka allows, and no other', () => {
    for (const to of TRANSACTION_STATES) {
      for (const from of TRANSACTION_STATES) {
        expect(isValidTransition(from, to), `${from} -> ${to}`).toBe(ALLOWED[to].includes(from))
      }
    }
  })

  it('stores each state as Kafka\'s TransactionStatus byte', () => {
    expect(TRANSACTION_STATES.map(transactionStatus)).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    expect(stateFromStatus(2)).toBe('PrepareCommit')
    expect(stateFromStatus(9)).toBeUndefined()
  })
})

describe('TransactionMetadata', () => {
  it('runs a committed transaction: Empty -> Ongoing -> PrepareCommit -> CompleteCommit', () => {
    const m = metadata('Empty')
    apply(m, m.prepareAddPartitions([{ topic: 'a', partition: 0 }], NOW))
    expect(m.state).toBe('Ongoing')
    expect(m.txnStartTimestamp).toBe(NOW)
    apply(m, m.prepareAddPartitions([{ topic: 'a', partition: 1 }], NOW + 5))
    expect(m.txnStartTimestamp, 'a transaction starts with its first partition').toBe(NOW)
    expect(m.partitionList).toEqual([{ topic: 'a', partition: 0 }, { topic: 'a', partition: 1 }])
    apply(m, m.prepareAbortOrCommit('PrepareCommit', NOW + 10))
    expect(m.state).toBe('PrepareCommit')
    const complete = m.prepareComplete(NOW + 20)
    expect(complete.state).toBe('CompleteCommit')
    expect(complete.partitions.size).toBe(0)
    apply(m, complete)
    expect(m.state).toBe('CompleteCommit')
    expect(m.partitions.size).toBe(0)
    expect(m.producerEpoch, 'committing does not bump the epoch').toBe(3)
  })

  it('runs an aborted transaction to CompleteAbort, and a new one may start from there', () => {
    const m = metadata('Empty')
    apply(m, m.prepareAddPartitions([{ topic: 'a', partition: 0 }], NOW))
    apply(m, m.prepareAbortOrCommit('PrepareAbort', NOW + 1))
    apply(m, m.prepareComplete(NOW + 2))
    expect(m.state).toBe('CompleteAbort')
    apply(m, m.prepareAddPartitions([{ topic: 'b', partition: 0 }], NOW + 3))
    expect(m.state).toBe('Ongoing')
    expect(m.txnStartTimestamp).toBe(NOW + 3)
  })

  it('marks a change pending until it is written, and refuses a second change meanwhile', () => {
    const m = metadata('Empty')
    const transit = m.prepareAddPartitions([{ topic: 'a', partition: 0 }], NOW)
    expect(m.pendingState).toBe('Ongoing')
    expect(m.state, 'memory changes only once the write succeeds').toBe('Empty')
    expect(() => m.prepareAddPartitions([{ topic: 'a', partition: 1 }], NOW)).toThrow(SamsaError)
    m.abortTransition()
    expect(m.pendingState).toBeNull()
    expect(m.state).toBe('Empty')
    expect(() => m.completeTransition(transit), 'a change that was given up cannot be applied').toThrow(SamsaError)
  })

  it('refuses every illegal transition with SAMSA_TRANSACTION_STATE', () => {
    const fromEmpty = metadata('Empty')
    expect(() => fromEmpty.prepareAbortOrCommit('PrepareCommit', NOW)).toThrow(expect.objectContaining({ code: 'SAMSA_TRANSACTION_STATE' }))
    expect(() => metadata('Empty').prepareComplete(NOW)).toThrow(SamsaError)
    expect(() => metadata('Ongoing').prepareComplete(NOW)).toThrow(SamsaError)
    expect(() => metadata('PrepareCommit').prepareAddPartitions([{ topic: 'a', partition: 0 }], NOW)).toThrow(SamsaError)
    expect(() => metadata('PrepareAbort').prepareIncrementProducerEpoch(1000, null, NOW)).toThrow(SamsaError)
    expect(() => metadata('Ongoing').prepareDead()).toThrow(SamsaError)
    expect(() => metadata('Empty').prepareFenceProducerEpoch()).toThrow(SamsaError)
    expect(() => metadata('CompleteCommit').prepareAbortOrCommit('PrepareAbort', NOW)).toThrow(SamsaError)
    expect(() => metadata('Ongoing').prepareProducerIdRotation(43, 1000, NOW, false)).toThrow(SamsaError)
  })

  it('bumps the epoch for a new producer instance and forgets the last epoch', () => {
    const m = metadata('CompleteCommit', 3, { lastProducerEpoch: 2 })
    const transit = m.prepareIncrementProducerEpoch(30_000, null, NOW)
    expect(isRefused(transit)).toBe(false)
    apply(m, transit as TxnTransitMetadata)
    expect(m.state).toBe('Empty')
    expect(m.producerEpoch).toBe(4)
    expect(m.lastProducerEpoch).toBe(NO_PRODUCER_EPOCH)
    expect(m.txnTimeoutMs).toBe(30_000)
  })

  it('gives a brand-new id epoch 0', () => {
    const m = metadata('Empty', NO_PRODUCER_EPOCH)
    apply(m, m.prepareIncrementProducerEpoch(1000, null, NOW) as TxnTransitMetadata)
    expect(m.producerEpoch).toBe(0)
  })

  it('recovers a producer that passes its current epoch (KIP-360), answers a retry with the same epoch, fences any other', () => {
    const m = metadata('CompleteAbort', 5)
    apply(m, m.prepareIncrementProducerEpoch(1000, 5, NOW) as TxnTransitMetadata)
    expect([m.producerEpoch, m.lastProducerEpoch]).toEqual([6, 5])
    // The producer never got the answer and asks again with its old epoch: the same epoch again.
    apply(m, m.prepareIncrementProducerEpoch(1000, 5, NOW) as TxnTransitMetadata)
    expect([m.producerEpoch, m.lastProducerEpoch]).toEqual([6, 5])
    const fenced = m.prepareIncrementProducerEpoch(1000, 3, NOW)
    expect(fenced).toEqual({ errorCode: KafkaErrorCodes.PRODUCER_FENCED })
    expect(m.pendingState, 'a refused change leaves nothing pending').toBeNull()
  })

  it('rotates to a new producer id at epoch 0 when the epoch is exhausted, remembering the old id', () => {
    const m = metadata('CompleteCommit', 32766)
    expect(m.isProducerEpochExhausted).toBe(true)
    expect(() => m.prepareIncrementProducerEpoch(1000, null, NOW)).toThrow(SamsaError)
    apply(m, m.prepareProducerIdRotation(77, 1000, NOW, true))
    expect([m.producerId, m.producerEpoch, m.lastProducerId, m.lastProducerEpoch]).toEqual([77, 0, 42, 32766])
  })

  it('fences an Ongoing transaction with the next epoch, carried by the PrepareAbort that follows', () => {
    const m = metadata('Empty')
    apply(m, m.prepareAddPartitions([{ topic: 'a', partition: 0 }], NOW))
    const fence = m.prepareFenceProducerEpoch()
    expect(fence.state).toBe('PrepareEpochFence')
    expect(fence.producerEpoch).toBe(4)
    expect(m.pendingState).toBe('PrepareEpochFence')
    // What the coordinator's abort does with a fence in progress:
    m.pendingState = null
    m.producerEpoch = fence.producerEpoch
    apply(m, m.prepareAbortOrCommit('PrepareAbort', NOW + 1))
    expect([m.state, m.producerEpoch]).toEqual(['PrepareAbort', 4])
  })

  it('reuses the bumped epoch when a fence write failed, rather than bumping twice', () => {
    const m = metadata('Ongoing', 4)
    m.hasFailedEpochFence = true
    expect(m.prepareFenceProducerEpoch().producerEpoch).toBe(4)
  })

  it('expires an idle id only when no transaction is open', () => {
    for (const state of ['Empty', 'CompleteCommit', 'CompleteAbort'] as const) expect(metadata(state).prepareDead().state).toBe('Dead')
  })

  it('forgets a partition once its marker is written', () => {
    const m = metadata('Empty')
    apply(m, m.prepareAddPartitions([{ topic: 'a', partition: 0 }, { topic: 'b', partition: 2 }], NOW))
    m.removePartition('a', 0)
    expect(m.partitionList).toEqual([{ topic: 'b', partition: 2 }])
  })
})

describe('TransactionLog records', () => {
  it('round-trips an Ongoing transaction through Kafka\'s key and value formats', () => {
    const m = metadata('Empty')
    const transit = m.prepareAddPartitions([{ topic: 'orders', partition: 3 }, { topic: 'orders', partition: 1 }], NOW)
    const key = transactionLogRecordKey('txn')
    // Key: INT16 version 0, then the id as an INT16-length string.
    expect(key).toEqual(Buffer.from([0, 0, 0, 3, ...Buffer.from('txn')]))
    const value = transactionLogRecordValue(transit)
    expect(value.readInt16BE(0), 'value version 1 (flexible)').toBe(1)
    const loaded = decodeTransactionLogValue(decodeTransactionLogKey(key), value)
    expect(loaded).toMatchObject({
      transactionalId: 'txn',
      producerId: 42,
      // Only InitProducerId changes the previous producer id; this id never had one.
      lastProducerId: -1,
      producerEpoch: 3,
      lastProducerEpoch: NO_PRODUCER_EPOCH,
      txnTimeoutMs: 60_000,
      state: 'Ongoing',
      txnStartTimestamp: NOW,
      txnLastUpdateTimestamp: NOW,
    })
    expect(loaded.partitionList).toEqual([{ topic: 'orders', partition: 1 }, { topic: 'orders', partition: 3 }])
  })

  it('reads a version 0 value (what Kafka writes without flexible records)', () => {
    // producer_id 7, epoch 2, timeout 1000, status 4 (CompleteCommit), partitions null, timestamps.
    const v0 = Buffer.alloc(2 + 8 + 2 + 4 + 1 + 4 + 8 + 8)
    let at = v0.writeInt16BE(0, 0)
    at = v0.writeBigInt64BE(7n, at)
    at = v0.writeInt16BE(2, at)
    at = v0.writeInt32BE(1000, at)
    at = v0.writeInt8(4, at)
    at = v0.writeInt32BE(-1, at)
    at = v0.writeBigInt64BE(123n, at)
    v0.writeBigInt64BE(100n, at)
    expect(decodeTransactionLogValue('old', v0)).toMatchObject({ producerId: 7, producerEpoch: 2, state: 'CompleteCommit', txnLastUpdateTimestamp: 123, txnStartTimestamp: 100 })
  })

  it('refuses a value with a status Kafka never wrote', () => {
    const m = metadata('Empty')
    const value = transactionLogRecordValue(m.prepareAddPartitions([{ topic: 'a', partition: 0 }], NOW))
    // Status byte sits after version(2) producer_id(8) [tagged fields come at the end] epoch(2) timeout(4).
    value.writeInt8(12, 16)
    expect(() => decodeTransactionLogValue('txn', value)).toThrow(/unknown status 12/)
  })
})
