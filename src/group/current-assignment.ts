/**
 * Reconciliation of one member towards its target assignment (Kafka's CurrentAssignmentBuilder):
 * the step that makes KIP-848 rebalances incremental. No member stops consuming the partitions
 * it keeps; a partition moves in two steps:
 *
 *   1. the member losing it is told (its next heartbeat answer) to give it up; it stays in its
 *      epoch, in UNREVOKED_PARTITIONS, until a heartbeat whose owned partitions no longer hold
 *      any partition pending revocation;
 *   2. the member gaining it gets it only once no one owns it (the group's partition epochs),
 *      meanwhile it is at the new epoch in UNRELEASED_PARTITIONS with what it can have.
 *
 * Pure: takes the member's current assignment and returns the next one; the caller updates
 * the group's ownership map and writes the record.
 */
import { type Assignment, addPartition } from './assignment.js'
import { MemberState, type MemberStateValue } from './consumer-group.js'

export interface MemberAssignmentState {
  readonly memberEpoch: number
  readonly previousMemberEpoch: number
  readonly state: MemberStateValue
  readonly assigned: Assignment
  readonly pendingRevocation: Assignment
}

export type OwnedPartitions = ReadonlyArray<{ readonly topicId: string; readonly partitions: readonly number[] }> | null

/**
 * The member's next assignment state given the target for `targetEpoch`, who owns what
 * (`partitionEpoch`: -1 when nobody owns the partition) and the partitions the member says it
 * owns in this heartbeat (null when it did not say).
 */
export function reconcile(
  member: MemberAssignmentState,
  targetEpoch: number,
  target: Assignment,
  partitionEpoch: (topicId: string, partition: number) => number,
  owned: OwnedPartitions,
): MemberAssignmentState {
  switch (member.state) {
    case MemberState.STABLE:
      // A stable member at the target's epoch has nothing to do; any other moves on.
      if (member.memberEpoch === targetEpoch) return member
      return computeNext(member, member.memberEpoch, targetEpoch, target, partitionEpoch, owned)
    case MemberState.UNREVOKED_PARTITIONS:
      // Waits until a heartbeat shows the partitions pending revocation are given up.
      if (ownsAny(owned, member.pendingRevocation)) return member
      return computeNext(member, member.memberEpoch, targetEpoch, target, partitionEpoch, owned)
    case MemberState.UNRELEASED_PARTITIONS:
      // Some partitions may have been released since; the target may also have moved on.
      return computeNext(member, member.memberEpoch, targetEpoch, target, partitionEpoch, owned)
    default:
      return member
  }
}

function computeNext(
  member: MemberAssignmentState,
  memberEpoch: number,
  targetEpoch: number,
  target: Assignment,
  partitionEpoch: (topicId: string, partition: number) => number,
  owned: OwnedPartitions,
): MemberAssignmentState {
  const kept: Assignment = new Map()
  const revoking: Assignment = new Map()
  const gained: Assignment = new Map()
  let unreleased = false
  const topics = new Set([...target.keys(), ...member.assigned.keys()])
  for (const topicId of topics) {
    const wanted = target.get(topicId)
    const current = member.assigned.get(topicId)
    if (current !== undefined) {
      for (const p of current) {
        if (wanted?.has(p) === true) addPartition(kept, topicId, p)
        else addPartition(revoking, topicId, p)
      }
    }
    if (wanted !== undefined) {
      for (const p of wanted) {
        if (current?.has(p) === true) continue
        if (partitionEpoch(topicId, p) === -1) addPartition(gained, topicId, p)
        else unreleased = true
      }
    }
  }
  if (revoking.size > 0 && ownsAny(owned, revoking)) {
    // Revoke first: the member keeps its epoch and what it keeps, and gains nothing yet.
    return { memberEpoch, previousMemberEpoch: member.previousMemberEpoch, state: MemberState.UNREVOKED_PARTITIONS, assigned: kept, pendingRevocation: revoking }
  }
  for (const [topicId, partitions] of gained) for (const p of partitions) addPartition(kept, topicId, p)
  return {
    memberEpoch: targetEpoch,
    previousMemberEpoch: memberEpoch,
    state: unreleased ? MemberState.UNRELEASED_PARTITIONS : MemberState.STABLE,
    assigned: kept,
    pendingRevocation: new Map(),
  }
}

/**
 * Whether the member still owns any of `partitions`: when it did not say what it owns (null),
 * it is assumed to own them all, as Kafka assumes.
 */
function ownsAny(owned: OwnedPartitions, partitions: Assignment): boolean {
  if (partitions.size === 0) return false
  if (owned === null) return true
  for (const { topicId, partitions: list } of owned) {
    const set = partitions.get(topicId)
    if (set === undefined) continue
    for (const p of list) if (set.has(p)) return true
  }
  return false
}
