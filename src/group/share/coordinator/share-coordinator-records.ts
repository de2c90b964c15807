/**
 * The records of `__share_group_state`, in Kafka's share-coordinator formats, so Kafka's tools
 * (kafka-dump-log --share-group-state-decoder) read Samsa's topic as they read Kafka's:
 *
 *   key   => type(int16) group_id topic_id(uuid) partition     type 0: ShareSnapshot, 1: ShareUpdate
 *   ShareSnapshotValue v0 => snapshot_epoch state_epoch leader_epoch start_offset
 *                            create_timestamp write_timestamp [state_batches]
 *   ShareUpdateValue v0   => snapshot_epoch leader_epoch start_offset [state_batches]
 *   state_batches         => first_offset last_offset delivery_state(int8) delivery_count(int16)
 *
 * The key's leading INT16 is the record type (Kafka's coordinator records put the type where
 * older records put a key version); each value is an INT16 version and its fields, flexible.
 * A snapshot holds a share-partition's whole state; an update holds the batches one write
 * changed, to be merged over the latest snapshot. Snapshot and update of one share-partition
 * have different keys, so compaction keeps the latest of each and a replay applies the latest
 * snapshot, then the latest update if it belongs to that snapshot (same snapshot epoch).
 * Deleting a share-partition writes a tombstone for both keys.
 */
import { defineMessage } from '../../../protocol/message.js'
import { protocolError } from '../../../protocol/protocol-error.js'
import { Reader } from '../../../protocol/reader.js'
import { field } from '../../../protocol/schema.js'
import { Writer } from '../../../protocol/writer.js'
import { stateBatchFields } from '../../../protocol/messages/share-state-fields.js'

export const ShareRecordType = { SNAPSHOT: 0, UPDATE: 1 } as const

const stateBatch = stateBatchFields

const shareStateKey = defineMessage({
  name: 'ShareStateKey',
  validVersions: '0',
  flexibleVersions: 'none',
  fields: {
    groupId: field.string(),
    topicId: field.uuid(),
    partition: field.int32(),
  },
})

const shareSnapshotValue = defineMessage({
  name: 'ShareSnapshotValue',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: {
    snapshotEpoch: field.int32(),
    stateEpoch: field.int32(),
    leaderEpoch: field.int32(),
    startOffset: field.int64(),
    createTimestamp: field.int64(),
    writeTimestamp: field.int64(),
    stateBatches: field.array(stateBatch),
  },
})

const shareUpdateValue = defineMessage({
  name: 'ShareUpdateValue',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: {
    snapshotEpoch: field.int32(),
    leaderEpoch: field.int32(),
    startOffset: field.int64(),
    stateBatches: field.array(stateBatch),
  },
})

/** One run of in-flight offsets with the same delivery state and count. */
export interface StateBatch {
  readonly firstOffset: number
  readonly lastOffset: number
  readonly deliveryState: number
  readonly deliveryCount: number
}

export interface SharePartitionKey {
  readonly groupId: string
  readonly topicId: string
  readonly partition: number
}

export interface ShareSnapshotRecord {
  readonly snapshotEpoch: number
  readonly stateEpoch: number
  readonly leaderEpoch: number
  readonly startOffset: number
  readonly createTimestamp: number
  readonly writeTimestamp: number
  readonly stateBatches: readonly StateBatch[]
}

export interface ShareUpdateRecord {
  readonly snapshotEpoch: number
  readonly leaderEpoch: number
  /** -1: the write did not move the start offset. */
  readonly startOffset: number
  readonly stateBatches: readonly StateBatch[]
}

export type ShareStateRecord =
  | { readonly type: typeof ShareRecordType.SNAPSHOT; readonly key: SharePartitionKey; readonly value: ShareSnapshotRecord | null }
  | { readonly type: typeof ShareRecordType.UPDATE; readonly key: SharePartitionKey; readonly value: ShareUpdateRecord | null }

const VALUE_VERSION = 0

export function shareStateRecordKey(type: number, key: SharePartitionKey): Buffer {
  const writer = new Writer(64)
  writer.writeInt16(type)
  return shareStateKey.encode(key, 0, writer).toBuffer()
}

/** State batches as the wire and the records carry them (int64 offsets). */
export interface WireStateBatch {
  readonly firstOffset: bigint
  readonly lastOffset: bigint
  readonly deliveryState: number
  readonly deliveryCount: number
}

export function wireBatches(batches: readonly StateBatch[]): WireStateBatch[] {
  return batches.map((b) => ({ firstOffset: BigInt(b.firstOffset), lastOffset: BigInt(b.lastOffset), deliveryState: b.deliveryState, deliveryCount: b.deliveryCount }))
}

export function numberBatches(batches: readonly WireStateBatch[]): StateBatch[] {
  return batches.map((b) => ({ firstOffset: Number(b.firstOffset), lastOffset: Number(b.lastOffset), deliveryState: b.deliveryState, deliveryCount: b.deliveryCount }))
}

export function shareSnapshotRecordValue(value: ShareSnapshotRecord): Buffer {
  const writer = new Writer(64 + value.stateBatches.length * 20)
  writer.writeInt16(VALUE_VERSION)
  return shareSnapshotValue
    .encode(
      {
        snapshotEpoch: value.snapshotEpoch,
        stateEpoch: value.stateEpoch,
        leaderEpoch: value.leaderEpoch,
        startOffset: BigInt(value.startOffset),
        createTimestamp: BigInt(value.createTimestamp),
        writeTimestamp: BigInt(value.writeTimestamp),
        stateBatches: wireBatches(value.stateBatches),
      },
      VALUE_VERSION,
      writer,
    )
    .toBuffer()
}

export function shareUpdateRecordValue(value: ShareUpdateRecord): Buffer {
  const writer = new Writer(32 + value.stateBatches.length * 20)
  writer.writeInt16(VALUE_VERSION)
  return shareUpdateValue
    .encode({ snapshotEpoch: value.snapshotEpoch, leaderEpoch: value.leaderEpoch, startOffset: BigInt(value.startOffset), stateBatches: wireBatches(value.stateBatches) }, VALUE_VERSION, writer)
    .toBuffer()
}

/**
 * A record of `__share_group_state` read back. Throws SAMSA_PROTOCOL for a record that is not
 * one of ours (an unknown type or version, a truncated key or value).
 */
export function decodeShareStateRecord(key: Buffer | null, value: Buffer | null): ShareStateRecord {
  if (key === null || key.length < 2) throw protocolError('a __share_group_state record has no record type')
  const type = key.readInt16BE(0)
  if (type !== ShareRecordType.SNAPSHOT && type !== ShareRecordType.UPDATE) throw protocolError(`__share_group_state record type ${type} is not one Samsa reads`)
  const decodedKey = shareStateKey.decode(new Reader(key, 2), 0)
  const partitionKey: SharePartitionKey = { groupId: decodedKey.groupId, topicId: decodedKey.topicId, partition: decodedKey.partition }
  if (value === null) return { type, key: partitionKey, value: null }
  if (value.length < 2) throw protocolError('a __share_group_state value has no version')
  const version = value.readInt16BE(0)
  if (version !== VALUE_VERSION) throw protocolError(`__share_group_state value version ${version} is not one Samsa reads`)
  if (type === ShareRecordType.SNAPSHOT) {
    const v = shareSnapshotValue.decode(new Reader(value, 2), version)
    return {
      type,
      key: partitionKey,
      value: {
        snapshotEpoch: v.snapshotEpoch,
        stateEpoch: v.stateEpoch,
        leaderEpoch: v.leaderEpoch,
        startOffset: Number(v.startOffset),
        createTimestamp: Number(v.createTimestamp),
        writeTimestamp: Number(v.writeTimestamp),
        stateBatches: numberBatches(v.stateBatches),
      },
    }
  }
  const v = shareUpdateValue.decode(new Reader(value, 2), version)
  return { type, key: partitionKey, value: { snapshotEpoch: v.snapshotEpoch, leaderEpoch: v.leaderEpoch, startOffset: Number(v.startOffset), stateBatches: numberBatches(v.stateBatches) } }
}
