/**
 * The controller's rules for a partition's next state (Kafka's election rules), as pure
 * functions: who leads after brokers die, when a partition goes offline and comes back, what an
 * unclean election does, preferred-leader elections, controlled shutdown, and ISR proposals.
 */
import { describe, expect, it } from 'vitest'
import { applyIsrProposal, electPreferredLeader, moveLeadershipOff, onBrokersChanged } from '../../../src/cluster/partition-elections.js'
import type { PartitionState } from '../../../src/metadata/metadata-store.js'

const state = (partial: Partial<PartitionState> = {}): PartitionState => ({ replicas: [1, 2, 3], leader: 1, leaderEpoch: 5, partitionEpoch: 9, isr: [1, 2, 3], ...partial })
const live = (...ids: number[]) => new Set(ids)

describe('onBrokersChanged', () => {
  it('changes nothing while the leader and the whole ISR are live', () => {
    expect(onBrokersChanged(state(), { live: live(1, 2, 3), uncleanLeaderElection: false })).toBeNull()
  })

  it('drops a dead follower from the ISR, bumping only the partition epoch', () => {
    expect(onBrokersChanged(state(), { live: live(1, 2), uncleanLeaderElection: false })).toEqual({
      state: state({ isr: [1, 2], partitionEpoch: 10 }),
      unclean: false,
    })
  })

  it('elects the first live ISR member in assignment order when the leader dies, bumping both epochs', () => {
    const election = onBrokersChanged(state({ replicas: [1, 3, 2], isr: [1, 2, 3] }), { live: live(2, 3), uncleanLeaderElection: false })
    expect(election).toEqual({ state: state({ replicas: [1, 3, 2], leader: 3, isr: [2, 3], leaderEpoch: 6, partitionEpoch: 10 }), unclean: false })
  })

  it('never elects a live replica outside the ISR unless unclean election is enabled, and then restarts the ISR with it', () => {
    const lagging = state({ isr: [1] })
    const offline = onBrokersChanged(lagging, { live: live(2, 3), uncleanLeaderElection: false })
    // Offline, keeping the last ISR member, so broker 1 can lead again with every committed record.
    expect(offline).toEqual({ state: state({ leader: -1, isr: [1], leaderEpoch: 6, partitionEpoch: 10 }), unclean: false })
    expect(onBrokersChanged(lagging, { live: live(2, 3), uncleanLeaderElection: true })).toEqual({
      state: state({ leader: 2, isr: [2], leaderEpoch: 6, partitionEpoch: 10 }),
      unclean: true,
    })
  })

  it('brings an offline partition back when its last ISR member returns, and leaves it alone until then', () => {
    const offline = state({ leader: -1, isr: [1], leaderEpoch: 6, partitionEpoch: 10 })
    expect(onBrokersChanged(offline, { live: live(2, 3), uncleanLeaderElection: false })).toBeNull()
    expect(onBrokersChanged(offline, { live: live(1, 2, 3), uncleanLeaderElection: false })?.state).toEqual(
      state({ leader: 1, isr: [1], leaderEpoch: 7, partitionEpoch: 11 }),
    )
  })
})

describe('preferred leaders and controlled shutdown', () => {
  it('moves leadership back to the first replica once it is live and in sync', () => {
    const moved = state({ leader: 2, isr: [2, 3] })
    expect(electPreferredLeader(moved, live(1, 2, 3))).toBeNull()
    expect(electPreferredLeader({ ...moved, isr: [2, 3, 1] }, live(1, 2, 3))).toEqual(state({ leader: 1, isr: [2, 3, 1], leaderEpoch: 6, partitionEpoch: 10 }))
    expect(electPreferredLeader(state(), live(1, 2, 3))).toBeNull()
  })

  it('hands a shutting-down leader\'s partition to another live ISR member, or keeps it when there is none', () => {
    expect(moveLeadershipOff(state(), 1, live(2, 3))).toEqual(state({ leader: 2, isr: [2, 3], leaderEpoch: 6, partitionEpoch: 10 }))
    expect(moveLeadershipOff(state({ isr: [1] }), 1, live(2, 3))).toBeNull()
    expect(moveLeadershipOff(state(), 2, live(1, 3))).toBeNull()
  })
})

describe('applyIsrProposal (AlterPartition)', () => {
  const proposal = { brokerId: 1, leaderEpoch: 5, partitionEpoch: 9, isr: [1, 2] }

  it('commits a proposal from the current leader at the current epochs, bumping the partition epoch', () => {
    expect(applyIsrProposal(state(), proposal, live(1, 2, 3))).toEqual({ state: state({ isr: [1, 2], partitionEpoch: 10 }) })
  })

  it('refuses stale and foreign proposals with Kafka\'s errors', () => {
    expect(applyIsrProposal(state(), { ...proposal, brokerId: 2 }, live(1, 2, 3))).toEqual({ refused: 'NOT_LEADER_OR_FOLLOWER' })
    expect(applyIsrProposal(state(), { ...proposal, leaderEpoch: 4 }, live(1, 2, 3))).toEqual({ refused: 'FENCED_LEADER_EPOCH' })
    expect(applyIsrProposal(state(), { ...proposal, partitionEpoch: 8 }, live(1, 2, 3))).toEqual({ refused: 'INVALID_UPDATE_VERSION' })
    expect(applyIsrProposal(state(), { ...proposal, isr: [2, 3] }, live(1, 2, 3))).toEqual({ refused: 'INVALID_REQUEST' })
    expect(applyIsrProposal(state(), { ...proposal, isr: [1, 4] }, live(1, 2, 3))).toEqual({ refused: 'INVALID_REQUEST' })
  })

  it('lets only live brokers join the ISR', () => {
    const shrunk = state({ isr: [1] })
    expect(applyIsrProposal(shrunk, { ...proposal, isr: [1, 3] }, live(1, 2))).toEqual({ refused: 'INELIGIBLE_REPLICA' })
    expect(applyIsrProposal(shrunk, { ...proposal, isr: [1, 3] }, live(1, 2, 3))).toEqual({ state: state({ isr: [1, 3], partitionEpoch: 10 }) })
  })
})
