/**
 * The controller's rules for changing a partition's state, as pure functions: each takes the
 * current state and what the controller knows, and returns the next state or null for "no
 * change". Kafka's rules (PartitionStateMachine, the election strategies of ZooKeeper-era and
 * KRaft controllers, KIP-497 AlterPartition):
 *
 * - A new leader comes from the ISR, in the order of the assignment (so the preferred replica
 *   first), among live brokers; from outside the ISR only with unclean.leader.election.enable,
 *   and then the ISR restarts as that one broker (records it lacks are lost, and said so).
 * - With no live ISR member and no unclean election the partition is offline (leader -1) and the
 *   ISR keeps its last member, so that broker can lead again when it returns with everything
 *   that was committed.
 * - Every change bumps the partition epoch; a change of leader bumps the leader epoch too.
 */
import type { PartitionState } from '../metadata/metadata-store.js'

export interface ElectionContext {
  /** Brokers whose registration is live (and not shutting down, where that matters). */
  readonly live: ReadonlySet<number>
  readonly uncleanLeaderElection: boolean
}

export interface Election {
  readonly state: PartitionState
  /** True when the new leader came from outside the ISR (data may be lost). */
  readonly unclean: boolean
}

/**
 * After brokers died (or are shutting down, when `live` leaves them out): dead brokers leave the
 * ISR (never emptying it), and a leader that is gone is replaced from the ISR.
 */
export function onBrokersChanged(state: PartitionState, context: ElectionContext): Election | null {
  const leaderAlive = state.leader >= 0 && context.live.has(state.leader)
  const liveIsr = state.isr.filter((id) => context.live.has(id))
  if (leaderAlive) {
    if (liveIsr.length === state.isr.length) return null
    return { state: { ...state, isr: liveIsr, partitionEpoch: state.partitionEpoch + 1 }, unclean: false }
  }
  return electLeader(state, context)
}

/** A leader for a partition without one (or whose leader is gone). */
export function electLeader(state: PartitionState, context: ElectionContext): Election | null {
  const liveIsr = state.isr.filter((id) => context.live.has(id))
  const fromIsr = state.replicas.find((id) => liveIsr.includes(id)) ?? liveIsr[0]
  if (fromIsr !== undefined) {
    if (fromIsr === state.leader && liveIsr.length === state.isr.length) return null
    return { state: withLeader(state, fromIsr, liveIsr), unclean: false }
  }
  if (context.uncleanLeaderElection) {
    const anyLive = state.replicas.find((id) => context.live.has(id))
    if (anyLive !== undefined) return { state: withLeader(state, anyLive, [anyLive]), unclean: true }
  }
  // Offline: keep the last ISR member(s) so a returning one can lead with all committed records.
  if (state.leader === -1) return null
  const lastIsr = state.isr.length > 0 ? state.isr : state.leader >= 0 ? [state.leader] : []
  return { state: { ...state, leader: -1, leaderEpoch: state.leaderEpoch + 1, partitionEpoch: state.partitionEpoch + 1, isr: lastIsr }, unclean: false }
}

/**
 * Preferred-leader election (auto.leader.rebalance.enable, ElectLeaders): leadership moves to the
 * first assigned replica when it is live and in sync and does not lead already.
 */
export function electPreferredLeader(state: PartitionState, live: ReadonlySet<number>): PartitionState | null {
  const preferred = state.replicas[0]
  if (preferred === undefined || preferred === state.leader) return null
  if (!live.has(preferred) || !state.isr.includes(preferred)) return null
  return withLeader(state, preferred, state.isr)
}

/** Moves leadership off `broker` (controlled shutdown) to another live ISR member, if there is one. */
export function moveLeadershipOff(state: PartitionState, broker: number, live: ReadonlySet<number>): PartitionState | null {
  if (state.leader !== broker) return null
  const others = state.isr.filter((id) => id !== broker && live.has(id))
  const next = state.replicas.find((id) => others.includes(id))
  if (next === undefined) return null
  return withLeader(state, next, state.isr.filter((id) => id !== broker))
}

/** A leader's proposal to change the ISR (Kafka's AlterPartition request). */
export interface IsrProposal {
  readonly brokerId: number
  readonly leaderEpoch: number
  readonly partitionEpoch: number
  readonly isr: readonly number[]
}

/** The state an ISR proposal leads to, or why it is refused (Kafka's AlterPartition errors). */
export function applyIsrProposal(
  state: PartitionState,
  proposal: IsrProposal,
  live: ReadonlySet<number>,
): { readonly state: PartitionState } | { readonly refused: 'NOT_LEADER_OR_FOLLOWER' | 'FENCED_LEADER_EPOCH' | 'INVALID_UPDATE_VERSION' | 'INELIGIBLE_REPLICA' | 'INVALID_REQUEST' } {
  if (proposal.brokerId !== state.leader) return { refused: 'NOT_LEADER_OR_FOLLOWER' }
  if (proposal.leaderEpoch !== state.leaderEpoch) return { refused: 'FENCED_LEADER_EPOCH' }
  if (proposal.partitionEpoch !== state.partitionEpoch) return { refused: 'INVALID_UPDATE_VERSION' }
  const isr = [...new Set(proposal.isr)]
  if (!isr.includes(state.leader) || isr.some((id) => !state.replicas.includes(id))) return { refused: 'INVALID_REQUEST' }
  // A broker may join the ISR only while it is live (KIP-841: not fenced or shutting down).
  if (isr.some((id) => !state.isr.includes(id) && !live.has(id))) return { refused: 'INELIGIBLE_REPLICA' }
  return { state: { ...state, isr, partitionEpoch: state.partitionEpoch + 1 } }
}

function withLeader(state: PartitionState, leader: number, isr: readonly number[]): PartitionState {
  return { ...state, leader, isr: [...isr], leaderEpoch: state.leaderEpoch + 1, partitionEpoch: state.partitionEpoch + 1 }
}
