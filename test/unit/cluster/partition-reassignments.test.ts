/**
 * The controller's rules for partition reassignment (KIP-455), as pure functions: how a move
 * starts (target ∪ current, adding and removing), when it completes (every target replica in
 * the ISR) and what completion does to the replicas, the ISR and the leader; cancelling; the
 * checks on a target; and how the partition record in etcd carries a move in progress.
 */
import { describe, expect, it } from 'vitest'
import { encodePartition, parsePartition } from '../../../src/cluster/metadata-records.js'
import {
  cancelReassignment,
  completeReassignment,
  invalidTarget,
  isReassigning,
  originalReplicas,
  startReassignment,
  targetReplicas,
} from '../../../src/cluster/partition-reassignments.js'
import type { PartitionState } from '../../../src/metadata/metadata-store.js'

const state = (partial: Partial<PartitionState> = {}): PartitionState => ({ replicas: [1, 2, 3], leader: 1, leaderEpoch: 5, partitionEpoch: 9, isr: [1, 2, 3], ...partial })
const live = (...ids: number[]) => new Set(ids)
const everyone = live(1, 2, 3, 4, 5)

describe('starting a reassignment', () => {
  it('makes the replica set the target followed by the replicas being removed, and bumps only the partition epoch', () => {
    const started = startReassignment(state(), [2, 3, 4], everyone)
    expect(started).toEqual(state({ replicas: [2, 3, 4, 1], addingReplicas: [4], removingReplicas: [1], partitionEpoch: 10 }))
    // The leader keeps leading and the ISR is untouched until broker 4 has caught up.
    expect(isReassigning(started!)).toBe(true)
    // The original set, in the order the replica list now has (Kafka's order on a cancel too).
    expect(originalReplicas(started!)).toEqual([2, 3, 1])
    expect(targetReplicas(started!)).toEqual([2, 3, 4])
  })

  it('changes nothing when the partition already has exactly the target replicas', () => {
    expect(startReassignment(state(), [1, 2, 3], everyone)).toBeNull()
  })

  it('completes at once when every target replica is already in sync (a reordering or a pure removal)', () => {
    expect(startReassignment(state(), [3, 2, 1], everyone)).toEqual(state({ replicas: [3, 2, 1], partitionEpoch: 10 }))
    // Removing the leader moves leadership to the first target replica in sync, with a new leader epoch.
    expect(startReassignment(state(), [2, 3], everyone)).toEqual(state({ replicas: [2, 3], isr: [2, 3], leader: 2, leaderEpoch: 6, partitionEpoch: 11 }))
  })

  it('replaces a reassignment in progress starting from the original replicas, dropping replicas no longer wanted', () => {
    const moving = state({ replicas: [2, 3, 4, 1], addingReplicas: [4], removingReplicas: [1], isr: [1, 2, 3, 4], partitionEpoch: 10 })
    const replaced = startReassignment(moving, [2, 3, 5], everyone)
    expect(replaced).toEqual(state({ replicas: [2, 3, 5, 1], addingReplicas: [5], removingReplicas: [1], isr: [1, 2, 3], partitionEpoch: 11 }))
    // Asking for the original replicas again ends the move, like a cancellation.
    expect(startReassignment(moving, [1, 2, 3], everyone)).toEqual(state({ replicas: [1, 2, 3], isr: [1, 2, 3], partitionEpoch: 11 }))
  })
})

describe('completing a reassignment', () => {
  const moving = state({ replicas: [2, 3, 4, 1], addingReplicas: [4], removingReplicas: [1], partitionEpoch: 10 })

  it('waits while a target replica is not in the ISR', () => {
    expect(completeReassignment(moving, everyone)).toBeNull()
    expect(completeReassignment(state(), everyone)).toBeNull()
  })

  it('sets the target replicas in target order, keeps only target replicas in the ISR, and moves leadership off a removed leader', () => {
    const caughtUp = { ...moving, isr: [1, 2, 3, 4], partitionEpoch: 11 }
    expect(completeReassignment(caughtUp, everyone)).toEqual(state({ replicas: [2, 3, 4], isr: [2, 3, 4], leader: 2, leaderEpoch: 6, partitionEpoch: 12 }))
  })

  it('keeps a leader that stays, bumping only the partition epoch', () => {
    const keepLeader = state({ replicas: [1, 2, 4, 3], addingReplicas: [4], removingReplicas: [3], isr: [1, 2, 3, 4], partitionEpoch: 11 })
    expect(completeReassignment(keepLeader, everyone)).toEqual(state({ replicas: [1, 2, 4], isr: [1, 2, 4], partitionEpoch: 12 }))
  })

  it('hands leadership to the first live target replica, and waits when none is live', () => {
    const caughtUp = { ...moving, isr: [1, 2, 3, 4], partitionEpoch: 11 }
    expect(completeReassignment(caughtUp, live(1, 3, 4))?.leader).toBe(3)
    expect(completeReassignment(caughtUp, live(1))).toBeNull()
  })
})

describe('cancelling a reassignment', () => {
  it('answers NO_REASSIGNMENT_IN_PROGRESS for a partition that is not being reassigned', () => {
    expect(cancelReassignment(state(), everyone)).toBe('NO_REASSIGNMENT_IN_PROGRESS')
  })

  it('returns to the original replicas, without the adding ones in the ISR', () => {
    const moving = state({ replicas: [2, 3, 4, 1], addingReplicas: [4], removingReplicas: [1], isr: [1, 2, 3, 4], partitionEpoch: 11 })
    expect(cancelReassignment(moving, everyone)).toEqual({ state: state({ replicas: [2, 3, 1], isr: [1, 2, 3], partitionEpoch: 12 }), unclean: false })
  })

  it('moves leadership off an adding replica that had become leader', () => {
    const ledByNew = state({ replicas: [4, 2, 3, 1], addingReplicas: [4], removingReplicas: [1], leader: 4, isr: [1, 2, 3, 4], leaderEpoch: 6, partitionEpoch: 11 })
    expect(cancelReassignment(ledByNew, everyone)).toEqual({ state: state({ replicas: [2, 3, 1], leader: 2, isr: [1, 2, 3], leaderEpoch: 7, partitionEpoch: 12 }), unclean: false })
  })

  it('lets the first live original replica lead alone when none of them is in sync, and says it was unclean', () => {
    const onlyNewInSync = state({ replicas: [4, 1], addingReplicas: [4], removingReplicas: [1], leader: 4, isr: [4], leaderEpoch: 6, partitionEpoch: 11 })
    expect(cancelReassignment(onlyNewInSync, everyone)).toEqual({ state: state({ replicas: [1], leader: 1, isr: [1], leaderEpoch: 7, partitionEpoch: 12 }), unclean: true })
  })
})

describe('checking a target', () => {
  const registered = live(1, 2, 3, 4)

  it('accepts distinct registered brokers', () => {
    expect(invalidTarget([4, 2, 3], registered)).toBeUndefined()
  })

  it('refuses an empty list, a broker named twice, and brokers that are not registered', () => {
    expect(invalidTarget([], registered)).toMatch(/empty/)
    expect(invalidTarget([2, 2, 3], registered)).toMatch(/more than once/)
    expect(invalidTarget([2, 3, 9], registered)).toMatch(/not registered: 9/)
  })
})

describe('the partition record in etcd', () => {
  it('carries addingReplicas and removingReplicas while a reassignment is in progress, and omits them otherwise', () => {
    const moving = state({ replicas: [2, 3, 4, 1], addingReplicas: [4], removingReplicas: [1] })
    expect(parsePartition(encodePartition(moving))).toEqual(moving)
    expect(JSON.parse(encodePartition(state({ addingReplicas: [], removingReplicas: [] })))).not.toHaveProperty('addingReplicas')
    // Records written before reassignment existed still parse.
    expect(parsePartition('{"leader":1,"leaderEpoch":5,"partitionEpoch":9,"isr":[1,2,3],"replicas":[1,2,3]}')).toEqual(state())
    expect(parsePartition('{"leader":1,"leaderEpoch":5,"partitionEpoch":9,"isr":[1],"replicas":[1],"addingReplicas":["x"]}')).toBeUndefined()
  })
})
