/**
 * Where new partitions' replicas go: leaders spread evenly, each partition's replicas on
 * distinct brokers, followers of one broker's leaders spread over the others, and with racks
 * every partition on as many racks as there are.
 */
import { describe, expect, it } from 'vitest'
import { assignReplicas } from '../../../src/cluster/replica-placement.js'

const brokers = (count: number, rackOf: (id: number) => string | null = () => null) =>
  Array.from({ length: count }, (_, i) => ({ nodeId: i + 1, rack: rackOf(i + 1) }))

/** A fixed sequence instead of Math.random, so placements are reproducible. */
const fixed = (...values: number[]) => {
  let i = 0
  return (bound: number) => values[i++ % values.length]! % bound
}

describe('assignReplicas', () => {
  it('gives each partition distinct brokers and spreads leaders evenly', () => {
    const placement = assignReplicas(brokers(3), 6, 3, { random: fixed(0, 0) })
    for (const replicas of placement) expect(new Set(replicas).size).toBe(3)
    const leaders = placement.map((r) => r[0])
    expect([1, 2, 3].map((id) => leaders.filter((l) => l === id).length)).toEqual([2, 2, 2])
  })

  it('spreads the followers of one broker\'s leaders over the other brokers', () => {
    const placement = assignReplicas(brokers(4), 12, 2, { random: fixed(0, 0) })
    const followersOfBroker1 = placement.filter((r) => r[0] === 1).map((r) => r[1])
    expect(new Set(followersOfBroker1).size).toBeGreaterThan(1)
  })

  it('continues the pattern for partitions added later', () => {
    const first = assignReplicas(brokers(3), 3, 2, { random: fixed(1, 2) })
    const more = assignReplicas(brokers(3), 3, 2, { random: fixed(1, 2), firstPartition: 3 })
    expect(more.map((r) => r[0])).toEqual(first.map((r) => r[0]))
  })

  it('puts every partition on as many racks as there are when every broker has a rack', () => {
    const rackOf = (id: number) => (id <= 2 ? 'a' : id <= 4 ? 'b' : 'c')
    const placement = assignReplicas(brokers(6, rackOf), 12, 3, { random: fixed(3, 1) })
    for (const replicas of placement) {
      expect(new Set(replicas).size).toBe(3)
      expect(new Set(replicas.map(rackOf)).size).toBe(3)
    }
  })
})
