import { describe, expect, it } from 'vitest'
import { ProducerStateManager, type ProducerBatch } from '../../../src/storage/producer-state.js'

const batch = (producerId: number, producerEpoch: number, baseSequence: number, records = 1): ProducerBatch => ({
  producerId,
  producerEpoch,
  baseSequence,
  lastOffsetDelta: records - 1,
})

/** Checks then records a batch the way the produce path does; returns the check. */
function append(state: ProducerStateManager, b: ProducerBatch, firstOffset: number) {
  const check = state.check(b)
  if (check.kind === 'append') state.update(b, firstOffset, 1000)
  return check
}

describe('ProducerStateManager', () => {
  it('accepts consecutive sequences and answers a retry with the original offsets', () => {
    const state = new ProducerStateManager()
    expect(append(state, batch(7, 0, 0, 10), 100).kind).toBe('append')
    expect(append(state, batch(7, 0, 10, 5), 110).kind).toBe('append')
    const retry = append(state, batch(7, 0, 0, 10), 999)
    expect(retry).toEqual({ kind: 'duplicate', batch: { firstSeq: 0, lastSeq: 9, firstOffset: 100, lastOffset: 109, timestamp: 1000 } })
  })

  it('remembers only the last five batches for duplicates', () => {
    const state = new ProducerStateManager()
    for (let i = 0; i < 6; i++) append(state, batch(1, 0, i), i)
    expect(state.check(batch(1, 0, 1)).kind).toBe('duplicate')
    // The first batch fell out of the window: its retry is now a sequence gap, not a duplicate.
    expect(state.check(batch(1, 0, 0))).toMatchObject({ kind: 'error', error: 'OUT_OF_ORDER_SEQUENCE_NUMBER' })
  })

  it('rejects a gap in the sequence and says which sequence was expected', () => {
    const state = new ProducerStateManager()
    append(state, batch(1, 0, 0, 3), 0)
    expect(state.check(batch(1, 0, 5))).toMatchObject({ kind: 'error', error: 'OUT_OF_ORDER_SEQUENCE_NUMBER', message: expect.stringMatching(/sent sequence 5 but 3 was expected/) })
  })

  it('fences an older epoch and requires a new epoch to start at sequence 0', () => {
    const state = new ProducerStateManager()
    append(state, batch(1, 3, 0), 0)
    expect(state.check(batch(1, 2, 1))).toMatchObject({ kind: 'error', error: 'INVALID_PRODUCER_EPOCH' })
    expect(state.check(batch(1, 4, 5))).toMatchObject({ kind: 'error', error: 'OUT_OF_ORDER_SEQUENCE_NUMBER' })
    expect(append(state, batch(1, 4, 0), 1).kind).toBe('append')
    expect(state.epochOf(1)).toBe(4)
  })

  it('wraps the sequence after 2^31-1', () => {
    const state = new ProducerStateManager()
    append(state, batch(1, 0, 2147483645, 3), 0)
    expect(state.check(batch(1, 0, 0)).kind).toBe('append')
  })

  it('lets an unknown producer start at any sequence, as Kafka does after retention', () => {
    expect(new ProducerStateManager().check(batch(42, 0, 1234)).kind).toBe('append')
  })

  it('ignores batches without a producer id', () => {
    const state = new ProducerStateManager()
    expect(append(state, batch(-1, -1, -1), 0).kind).toBe('append')
    expect(state.producerCount).toBe(0)
  })

  it('survives a snapshot round trip and expires idle producers', () => {
    const state = new ProducerStateManager()
    append(state, batch(1, 0, 0, 2), 10)
    const restored = ProducerStateManager.fromSnapshot(JSON.parse(JSON.stringify(state.toSnapshot())))
    expect(restored.check(batch(1, 0, 0, 2)).kind).toBe('duplicate')
    expect(restored.expire(1000 + 86_400_001, 86_400_000)).toBe(1)
    expect(restored.producerCount).toBe(0)
  })

  it('forgets batches beyond a truncation point', () => {
    const state = new ProducerStateManager()
    append(state, batch(1, 0, 0), 10)
    append(state, batch(1, 0, 1), 11)
    state.truncateFrom(11)
    expect(state.check(batch(1, 0, 1)).kind).toBe('append')
  })
})
