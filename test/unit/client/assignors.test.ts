import { describe, expect, it } from 'vitest'
import { assignPartitions } from '../../../src/client/assignors.js'

const plain = (assignment: Map<string, Map<string, number[]>>): Record<string, Record<string, number[]>> =>
  Object.fromEntries([...assignment].map(([member, topics]) => [member, Object.fromEntries(topics)]))

describe('range assignor', () => {
  it('gives each member a contiguous range per topic, the first members one extra', () => {
    const members = [
      { memberId: 'c1', topics: ['t0', 't1'] },
      { memberId: 'c0', topics: ['t0', 't1'] },
    ]
    // Java's RangeAssignor example: two consumers, two topics of three partitions.
    expect(plain(assignPartitions('range', members, new Map([['t0', 3], ['t1', 3]])))).toEqual({
      c0: { t0: [0, 1], t1: [0, 1] },
      c1: { t0: [2], t1: [2] },
    })
  })

  it('assigns a topic only among its subscribers and leaves unknown topics out', () => {
    const members = [
      { memberId: 'a', topics: ['only-a', 'shared'] },
      { memberId: 'b', topics: ['shared', 'missing'] },
    ]
    expect(plain(assignPartitions('range', members, new Map([['only-a', 2], ['shared', 5]])))).toEqual({
      a: { 'only-a': [0, 1], shared: [0, 1, 2] },
      b: { shared: [3, 4] },
    })
  })
})

describe('round-robin assignor', () => {
  it('deals every partition of every topic in turn', () => {
    const members = [
      { memberId: 'c0', topics: ['t0', 't1'] },
      { memberId: 'c1', topics: ['t0', 't1'] },
    ]
    // Java's RoundRobinAssignor example: t0p0→c0, t0p1→c1, t0p2→c0, t1p0→c1, t1p1→c0, t1p2→c1.
    expect(plain(assignPartitions('roundrobin', members, new Map([['t0', 3], ['t1', 3]])))).toEqual({
      c0: { t0: [0, 2], t1: [1] },
      c1: { t0: [1], t1: [0, 2] },
    })
  })

  it('skips members not subscribed to a partition\'s topic', () => {
    const members = [
      { memberId: 'a', topics: ['x'] },
      { memberId: 'b', topics: ['x', 'y'] },
    ]
    const result = plain(assignPartitions('roundrobin', members, new Map([['x', 2], ['y', 2]])))
    expect(result.a).toEqual({ x: [0] })
    expect(result.b).toEqual({ x: [1], y: [0, 1] })
  })
})
