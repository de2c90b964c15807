import { describe, expect, it } from 'vitest'
import { verify } from '../../../bench/harness/verification.js'
import type { ConsumedPartition, ProducedPartition } from '../../../bench/harness/worker-messages.js'
import { presetNamed, withOverrides } from '../../../bench/harness/workloads.js'

const workload = withOverrides(presetNamed('small-records'), { partitionsPerTopic: 2, subscriptionsPerTopic: 1 })
const produced: ProducedPartition[] = [
  { topic: 't', partition: 0, acknowledged: 100 },
  { topic: 't', partition: 1, acknowledged: 50 },
]
const ends = new Map([
  ['t:0', 110],
  ['t:1', 50],
])
function consumed(overrides: Partial<ConsumedPartition> = {}): ConsumedPartition[] {
  return [
    { subscription: 0, topic: 't', partition: 0, startOffset: 10, nextOffset: 110, received: 100, missing: 0, duplicates: 0, logAppendTime: 0, ...overrides },
    { subscription: 0, topic: 't', partition: 1, startOffset: 0, nextOffset: 50, received: 50, missing: 0, duplicates: 0, logAppendTime: 0 },
  ]
}

describe('verify', () => {
  it('passes when every acknowledged message was appended and received once', () => {
    const result = verify(workload, produced, consumed(), ends, 0, true)
    expect(result).toMatchObject({ ok: true, acknowledged: 150, appended: 150, problems: [] })
    expect(result.subscriptions).toEqual([{ subscription: 0, expected: 150, received: 150, missing: 0, duplicates: 0, partitionsBehind: 0 }])
  })

  it('names messages not received, gaps, repeats and partitions left behind', () => {
    const result = verify(workload, produced, consumed({ nextOffset: 100, received: 88, missing: 2, duplicates: 3 }), ends, 0, false)
    expect(result.ok).toBe(false)
    expect(result.problems.join('\n')).toMatch(/received 138 of the 150/)
    expect(result.problems.join('\n')).toMatch(/2 offsets skipped/)
    expect(result.problems.join('\n')).toMatch(/3 messages twice/)
    expect(result.problems.join('\n')).toMatch(/1 partitions short/)
    expect(result.problems.join('\n')).toMatch(/did not reach the end offsets/)
  })

  it('catches acknowledgements the log does not hold, and failed sends', () => {
    const result = verify(workload, [{ topic: 't', partition: 0, acknowledged: 120 }, produced[1]!], consumed(), ends, 4, true)
    expect(result.problems).toEqual(['the producers saw 170 messages acknowledged but the partitions gained 150', '4 messages failed to send'])
  })

  it('does not hold acks=0 producers to acknowledgements they never get', () => {
    const result = verify(withOverrides(workload, { acks: 0 }), [], consumed(), ends, 0, true)
    expect(result.ok).toBe(true)
  })

  it('notices a partition no consumer read', () => {
    const result = verify(workload, produced, consumed().slice(0, 1), ends, 0, true)
    expect(result.problems.join('\n')).toMatch(/no consumer for t:1/)
  })
})
