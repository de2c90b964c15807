import { describe, expect, it } from 'vitest'
import { NO_TXN, ProducerStateManager, type ProducerBatch, type TxnMarker } from '../../../src/storage/producer-state.js'

const txnBatch = (producerId: number, producerEpoch: number, baseSequence: number, records = 1): ProducerBatch => ({
  producerId,
  producerEpoch,
  baseSequence,
  lastOffsetDelta: records - 1,
  isTransactional: true,
})

const marker = (producerId: number, commit: boolean, producerEpoch = 0, coordinatorEpoch = 0): TxnMarker => ({ producerId, producerEpoch, coordinatorEpoch, commit })

/** Checks then records a batch the way the leader does; returns the check. */
function append(state: ProducerStateManager, b: ProducerBatch, firstOffset: number) {
  const check = state.check(b)
  if (check.kind === 'append') state.update(b, firstOffset, 1000)
  return check
}

describe('ProducerStateManager transactions', () => {
  it('opens a transaction at the first transactional batch and keeps its start while more arrive', () => {
    const state = new ProducerStateManager()
    expect(state.firstUnstableOffset).toBe(NO_TXN)
    append(state, txnBatch(1, 0, 0, 3), 10)
    append(state, txnBatch(1, 0, 3, 2), 13)
    expect(state.ongoingTransactions()).toEqual([{ producerId: 1, firstOffset: 10 }])
    expect(state.firstUnstableOffset).toBe(10)
  })

  it('completes a transaction on its marker but keeps it unstable until the high watermark passes the marker', () => {
    const state = new ProducerStateManager()
    append(state, txnBatch(1, 0, 0, 3), 10)
    expect(state.completeTxn(marker(1, true), 13, 1000)).toEqual({ producerId: 1, firstOffset: 10, lastOffset: 13, isAborted: false })
    expect(state.ongoingTransactions()).toEqual([])
    state.onHighWatermark(13)
    expect(state.firstUnstableOffset).toBe(10)
    state.onHighWatermark(14)
    expect(state.firstUnstableOffset).toBe(NO_TXN)
  })

  it('reports an aborted transaction as aborted, and a marker with no open transaction as nothing', () => {
    const state = new ProducerStateManager()
    append(state, txnBatch(1, 0, 0), 0)
    expect(state.completeTxn(marker(1, false), 1, 1000)).toMatchObject({ firstOffset: 0, lastOffset: 1, isAborted: true })
    expect(state.completeTxn(marker(1, false), 2, 1000)).toBeNull()
  })

  it('bounds the first unstable offset by the earliest of several producers\' transactions', () => {
    const state = new ProducerStateManager()
    append(state, txnBatch(1, 0, 0), 5)
    append(state, txnBatch(2, 0, 0), 6)
    expect(state.firstUnstableOffset).toBe(5)
    state.completeTxn(marker(1, true), 7, 1000)
    state.onHighWatermark(8)
    expect(state.firstUnstableOffset).toBe(6)
  })

  it('refuses a non-transactional batch while the producer\'s transaction is open (INVALID_TXN_STATE)', () => {
    const state = new ProducerStateManager()
    append(state, txnBatch(1, 0, 0), 0)
    expect(state.check({ producerId: 1, producerEpoch: 0, baseSequence: 1, lastOffsetDelta: 0 })).toMatchObject({ kind: 'error', error: 'INVALID_TXN_STATE' })
  })

  it('fences markers of an older producer epoch and of an older coordinator epoch', () => {
    const state = new ProducerStateManager()
    append(state, txnBatch(1, 3, 0), 0)
    state.completeTxn(marker(1, true, 3, 5), 1, 1000)
    expect(state.checkMarker(marker(1, false, 2, 5))).toMatchObject({ kind: 'error', error: 'INVALID_PRODUCER_EPOCH' })
    expect(state.checkMarker(marker(1, false, 3, 4))).toMatchObject({ kind: 'error', error: 'TRANSACTION_COORDINATOR_FENCED' })
    expect(state.checkMarker(marker(1, false, 4, 5))).toEqual({ kind: 'append' })
  })

  it('takes a marker with a bumped epoch (an abort on timeout) and fences the old epoch\'s batches from then on', () => {
    const state = new ProducerStateManager()
    append(state, txnBatch(1, 0, 0), 0)
    state.completeTxn(marker(1, false, 1, 0), 1, 1000)
    expect(state.epochOf(1)).toBe(1)
    expect(state.check(txnBatch(1, 0, 1))).toMatchObject({ kind: 'error', error: 'INVALID_PRODUCER_EPOCH' })
    expect(state.check(txnBatch(1, 1, 0))).toEqual({ kind: 'append' })
  })

  it('keeps an open transaction, its coordinator epoch and its start through a snapshot round trip', () => {
    const state = new ProducerStateManager()
    append(state, txnBatch(1, 0, 0), 0)
    state.completeTxn(marker(1, true, 0, 7), 1, 1000)
    append(state, txnBatch(1, 0, 1, 2), 2)
    const restored = ProducerStateManager.fromSnapshot(JSON.parse(JSON.stringify(state.toSnapshot())))
    expect(restored.ongoingTransactions()).toEqual([{ producerId: 1, firstOffset: 2 }])
    expect(restored.firstUnstableOffset).toBe(2)
    expect(restored.checkMarker(marker(1, true, 0, 6))).toMatchObject({ error: 'TRANSACTION_COORDINATOR_FENCED' })
    expect(restored.completeTxn(marker(1, true, 0, 7), 4, 1000)).toMatchObject({ firstOffset: 2, lastOffset: 4 })
  })

  it('reads snapshots written before transactions existed', () => {
    const restored = ProducerStateManager.fromSnapshot([{ producerId: 9, epoch: 2, lastTimestamp: 1, batches: [] }])
    expect(restored.firstUnstableOffset).toBe(NO_TXN)
    expect(restored.describe()).toEqual([{ producerId: 9, producerEpoch: 2, lastSequence: -1, lastTimestamp: 1, coordinatorEpoch: -1, currentTxnStartOffset: -1 }])
  })

  it('on truncation forgets a transaction that began in the cut tail and reopens one whose marker was cut', () => {
    const state = new ProducerStateManager()
    append(state, txnBatch(1, 0, 0), 0)
    state.completeTxn(marker(1, false), 4, 1000)
    append(state, txnBatch(2, 0, 0), 6)
    state.truncateFrom(4)
    expect(state.ongoingTransactions()).toEqual([{ producerId: 1, firstOffset: 0 }])
    expect(state.firstUnstableOffset).toBe(0)
  })

  it('never expires a producer with an open transaction', () => {
    const state = new ProducerStateManager()
    append(state, txnBatch(1, 0, 0), 0)
    expect(state.expire(10_000_000, 1)).toBe(0)
    state.completeTxn(marker(1, true), 1, 1000)
    expect(state.expire(10_000_000, 1)).toBe(1)
  })
})
