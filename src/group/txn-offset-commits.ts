/**
 * Offsets committed inside a producer's transaction (TxnOffsetCommit, KIP-98 and KIP-447), the
 * part of Kafka's GroupMetadataManager that keeps them pending until the transaction ends.
 *
 * The offsets are written at once, as a batch of the producer's transaction, and become the
 * group's committed offsets only when the transaction's COMMIT marker reaches the group's
 * __consumer_offsets partition (onTransactionCompleted); an ABORT drops them. Until then an
 * OffsetFetch that requires stable offsets answers UNSTABLE_OFFSET_COMMIT for them.
 *
 * Event loop thread only.
 */
import { KafkaErrorCodes } from '../protocol/error-codes.js'
import type { CoordinatorContext } from './coordinator-context.js'
import type { TxnOffsetCommitParams } from './coordinator-results.js'
import { Group } from './group.js'
import { type MaybeAsync, andThen } from './maybe-async.js'
import { checkOffsetMetadata } from './offset-metadata-check.js'

export class TxnOffsetCommits {
  readonly #context: CoordinatorContext
  readonly #maxMetadataBytes: number
  /** Groups with offsets in each producer's open transaction (Kafka's openGroupsForProducer). */
  readonly #openGroupsForProducer = new Map<number, Set<string>>()

  constructor(context: CoordinatorContext, maxMetadataBytes: number) {
    this.#context = context
    this.#maxMetadataBytes = maxMetadataBytes
  }

  /**
   * Commits offsets inside a producer's transaction; returns one error code per entry of
   * `params.offsets`, in order, once the write is replicated. Kafka's rules: any group id but
   * "", a group that does not exist yet is created, and a request that names a member (v3+,
   * KIP-447) must come from a current member of the current generation, whatever the group's
   * state; older versions name none and are not checked.
   */
  commit(params: TxnOffsetCommitParams): MaybeAsync<number[]> {
    const context = this.#context
    const all = (errorCode: number): number[] => params.offsets.map(() => errorCode)
    const error = context.validateGroup(params.groupId, false)
    if (error !== KafkaErrorCodes.NONE) return all(error)
    let group = context.groups.get(params.groupId)
    if (group === undefined) {
      group = new Group(params.groupId, 'Empty', context.now())
      context.groups.set(params.groupId, group)
    }
    const refused = validateTxnCommit(group, params)
    if (refused !== KafkaErrorCodes.NONE) {
      context.removeIfUnused(group)
      return all(refused)
    }
    const now = context.now()
    const { errors, valid, validIndexes } = checkOffsetMetadata(params.offsets, now, this.#maxMetadataBytes)
    if (valid.length === 0) return errors
    const target = group
    const pending = valid.map(({ topic, partition, committed }) => target.prepareTxnOffsetCommit(params.producerId, topic, partition, committed))
    this.track(params.producerId, target.groupId)
    const written = context.store.storeOffsets(target.groupId, valid, now, { producerId: params.producerId, producerEpoch: params.producerEpoch })
    if (written.baseOffset >= 0) pending.forEach((commit, i) => (commit.committed = { ...commit.committed, recordOffset: written.baseOffset + i }))
    return andThen(written.outcome, (errorCode) => {
      if (errorCode !== KafkaErrorCodes.NONE || target.is('Dead')) for (const commit of pending) target.failTxnOffsetCommit(commit)
      for (const i of validIndexes) errors[i] = errorCode
      context.removeIfUnused(target)
      return errors
    })
  }

  /** Remembers that `producerId`'s open transaction holds offsets of `groupId` (also after a load). */
  track(producerId: number, groupId: string): void {
    let groups = this.#openGroupsForProducer.get(producerId)
    if (groups === undefined) this.#openGroupsForProducer.set(producerId, (groups = new Set()))
    groups.add(groupId)
  }

  /**
   * A transaction of `producerId` ended in partition `offsetsPartition` of __consumer_offsets:
   * its marker is in the log there. The offsets it committed for the groups of that partition
   * become their committed offsets (`commit`) or are dropped (Kafka's handleTxnCompletion).
   * Partitions not coordinated here have nothing in memory: their load reads the marker.
   */
  onTransactionCompleted(offsetsPartition: number, producerId: number, commit: boolean): void {
    const context = this.#context
    const groupIds = this.#openGroupsForProducer.get(producerId)
    if (groupIds === undefined) return
    for (const groupId of [...groupIds]) {
      if (context.store.partitionFor(groupId) !== offsetsPartition) continue
      groupIds.delete(groupId)
      const group = context.groups.get(groupId)
      if (group === undefined || group.is('Dead')) continue
      const applied = group.completeTxnOffsetCommits(producerId, commit)
      if (applied > 0) context.logger.debug('transactional offsets committed', { group: groupId, producerId, offsets: applied })
      context.removeIfUnused(group)
    }
    if (groupIds.size === 0) this.#openGroupsForProducer.delete(producerId)
  }
}

/** Kafka's validateOffsetCommit for a transactional commit. */
function validateTxnCommit(group: Group, params: TxnOffsetCommitParams): number {
  if (group.is('Dead')) return KafkaErrorCodes.COORDINATOR_NOT_AVAILABLE
  // Before v3 a transactional commit carries no member: nothing to check.
  if (params.generationId < 0 && params.memberId === '' && params.groupInstanceId === null) return KafkaErrorCodes.NONE
  if (group.isStaticMemberFenced(params.groupInstanceId, params.memberId)) return KafkaErrorCodes.FENCED_INSTANCE_ID
  if (!group.has(params.memberId)) return KafkaErrorCodes.UNKNOWN_MEMBER_ID
  if (params.generationId !== group.generationId) return KafkaErrorCodes.ILLEGAL_GENERATION
  return KafkaErrorCodes.NONE
}
