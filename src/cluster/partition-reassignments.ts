/**
 * The controller's rules for partition reassignment (KIP-455, kafka-reassign-partitions), as pure
 * functions over a partition's state, like partition-elections.ts:
 *
 * - Start: the replica set becomes the target followed by the original replicas not in it
 *   (Kafka's order, so the target's first replica is the preferred leader from now on);
 *   `addingReplicas` = target − original, `removingReplicas` = original − target. The adding
 *   replicas start following, catch up, and their leader proposes them into the ISR as usual.
 * - Complete: once every target replica is in the ISR, the replica set becomes the target (in
 *   its order), the ISR keeps only target replicas, and a leader that is being removed hands
 *   over to the first target replica that is live and in sync (leader epoch bumped).
 * - Cancel: back to the original replicas (the set without the adding ones, in the current
 *   order, as Kafka reverts); replicas being added leave the ISR, and lead no more.
 *
 * A new reassignment of a partition already being reassigned starts from the original replicas
 * (the set without the adding ones), as Kafka's ZooKeeper-era controller did, so cancelling it
 * still returns there. Every change bumps the partition epoch.
 */
import type { PartitionState } from '../metadata/metadata-store.js'

/** Kafka's per-partition errors for AlterPartitionReassignments. */
export type ReassignmentError = 'NONE' | 'UNKNOWN_TOPIC_OR_PARTITION' | 'INVALID_REPLICA_ASSIGNMENT' | 'NO_REASSIGNMENT_IN_PROGRESS' | 'NOT_CONTROLLER' | 'CONCURRENT_TRANSACTIONS'

export function isReassigning(state: PartitionState): boolean {
  return (state.addingReplicas?.length ?? 0) > 0 || (state.removingReplicas?.length ?? 0) > 0
}

/** The replicas the partition had before its reassignment began (all of them when there is none). */
export function originalReplicas(state: PartitionState): number[] {
  const adding = state.addingReplicas ?? []
  return state.replicas.filter((id) => !adding.includes(id))
}

/** The replicas a reassignment in progress moves to (all of them when there is none). */
export function targetReplicas(state: PartitionState): number[] {
  const removing = state.removingReplicas ?? []
  return state.replicas.filter((id) => !removing.includes(id))
}

/**
 * Why `target` cannot be a partition's replica list (Kafka's checks: not empty, no broker twice,
 * every broker registered), or undefined when it can.
 */
export function invalidTarget(target: readonly number[], registered: ReadonlySet<number>): string | undefined {
  if (target.length === 0) return 'The replica list is empty.'
  if (new Set(target).size !== target.length) return `The replica list ${JSON.stringify(target)} names a broker more than once.`
  const unknown = target.filter((id) => !registered.has(id))
  if (unknown.length > 0) return `The replica list ${JSON.stringify(target)} names brokers that are not registered: ${unknown.join(', ')}.`
  return undefined
}

/**
 * The state that starts moving the partition to `target` (already validated), completed at
 * once when the target replicas are all in sync already (a reordering, or only removals). Null
 * when the partition already is on exactly `target` with nothing in progress.
 */
export function startReassignment(state: PartitionState, target: readonly number[], live: ReadonlySet<number>): PartitionState | null {
  const original = originalReplicas(state)
  if (!isReassigning(state) && sameList(original, target)) return null
  const removing = original.filter((id) => !target.includes(id))
  const adding = target.filter((id) => !original.includes(id))
  const replicas = [...target, ...removing]
  let next: PartitionState = {
    ...state,
    replicas,
    // Replicas of an earlier, replaced reassignment that are in neither list leave the ISR.
    isr: state.isr.filter((id) => replicas.includes(id)),
    addingReplicas: adding,
    removingReplicas: removing,
    partitionEpoch: state.partitionEpoch + 1,
  }
  if (!next.isr.includes(next.leader)) next = handOver(next, next.isr, live) ?? next
  // Back to the original replicas while a reassignment was in progress: nothing left to move.
  if (!isReassigning(next)) return withoutReassignment(next)
  return completeReassignment(next, live) ?? next
}

/**
 * The state that finishes a reassignment whose target replicas are all in the ISR, or null
 * while it cannot finish (nothing in progress, a target replica still catching up, or the leader
 * is being removed and no target replica is live and in sync to take over).
 */
export function completeReassignment(state: PartitionState, live: ReadonlySet<number>): PartitionState | null {
  if (!isReassigning(state)) return null
  const target = targetReplicas(state)
  if (!target.every((id) => state.isr.includes(id))) return null
  const isr = state.isr.filter((id) => target.includes(id))
  const done: PartitionState = { ...state, replicas: target, isr, addingReplicas: [], removingReplicas: [], partitionEpoch: state.partitionEpoch + 1 }
  if (target.includes(state.leader)) return withoutReassignment(done)
  const next = handOver(done, isr, live)
  return next === null ? null : withoutReassignment(next)
}

/**
 * The state that cancels a reassignment in progress: the original replicas, without the ones
 * being added in the ISR or leading. When no original replica is in sync (they all fell out
 * while the new ones caught up) the first live original replica leads alone: `unclean` says so,
 * since records only the cancelled replicas had may be lost.
 */
export function cancelReassignment(state: PartitionState, live: ReadonlySet<number>): { readonly state: PartitionState; readonly unclean: boolean } | 'NO_REASSIGNMENT_IN_PROGRESS' {
  if (!isReassigning(state)) return 'NO_REASSIGNMENT_IN_PROGRESS'
  const replicas = originalReplicas(state)
  const isr = state.isr.filter((id) => replicas.includes(id))
  const reverted: PartitionState = withoutReassignment({ ...state, replicas, isr, partitionEpoch: state.partitionEpoch + 1 })
  if (replicas.includes(reverted.leader) && isr.includes(reverted.leader)) return { state: reverted, unclean: false }
  const clean = handOver(reverted, isr, live)
  if (clean !== null) return { state: clean, unclean: false }
  const anyLive = replicas.find((id) => live.has(id))
  if (anyLive !== undefined) return { state: { ...reverted, leader: anyLive, isr: [anyLive], leaderEpoch: state.leaderEpoch + 1 }, unclean: true }
  // No original replica is live: offline until one returns.
  return { state: { ...reverted, leader: -1, isr: isr.length > 0 ? isr : [replicas[0]!], leaderEpoch: state.leaderEpoch + 1 }, unclean: false }
}

/** Leadership moved to the first replica (in replica order) that is in `isr` and live, or null. */
function handOver(state: PartitionState, isr: readonly number[], live: ReadonlySet<number>): PartitionState | null {
  const leader = state.replicas.find((id) => isr.includes(id) && live.has(id))
  if (leader === undefined) return null
  return { ...state, leader, isr: [...isr], leaderEpoch: state.leaderEpoch + 1 }
}

/** The state without the reassignment fields (absent, not empty, once nothing is in progress). */
function withoutReassignment(state: PartitionState): PartitionState {
  const { addingReplicas: _adding, removingReplicas: _removing, ...rest } = state
  return rest
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i])
}
