/**
 * The check every offset commit (OffsetCommit and TxnOffsetCommit) makes before it writes:
 * metadata longer than offset.metadata.max.bytes is refused per partition with
 * OFFSET_METADATA_TOO_LARGE, and the rest of the request still goes ahead, as in Kafka.
 */
import { KafkaErrorCodes } from '../protocol/error-codes.js'
import type { OffsetCommitParams } from './coordinator-results.js'
import type { TopicPartitionOffset } from './group-store.js'

export interface CheckedOffsets {
  /** The refusals, at their entry's index; the other indexes are filled once the write settles. */
  readonly errors: number[]
  /** The commits to write, stamped with the commit time. */
  readonly valid: TopicPartitionOffset[]
  /** Where each of `valid` came from in the request. */
  readonly validIndexes: number[]
}

export function checkOffsetMetadata(offsets: OffsetCommitParams['offsets'], now: number, maxMetadataBytes: number): CheckedOffsets {
  const errors: number[] = []
  const valid: TopicPartitionOffset[] = []
  const validIndexes: number[] = []
  offsets.forEach((entry, i) => {
    const metadata = entry.metadata ?? ''
    if (metadata.length > maxMetadataBytes) {
      errors[i] = KafkaErrorCodes.OFFSET_METADATA_TOO_LARGE
      return
    }
    validIndexes.push(i)
    valid.push({ topic: entry.topic, partition: entry.partition, committed: { offset: entry.offset, leaderEpoch: entry.leaderEpoch, metadata, commitTimestamp: now } })
  })
  return { errors, valid, validIndexes }
}
