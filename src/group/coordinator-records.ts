/**
 * The records the group coordinator keeps in `__consumer_offsets`, in Kafka's own key and value
 * formats so that operators' tools (kafka-dump-log --offsets-decoder, kafka-console-consumer with
 * the offsets formatter) read Samsa's topic as they read Kafka's.
 *
 * Every key and value is an INT16 version followed by the fields of that version (non-flexible
 * encoding up to the versions written here). The key's version says what the record is:
 *
 *   key v0/v1  OffsetCommitKey    => group topic partition         (a committed offset)
 *   key v2     GroupMetadataKey   => group                         (a group's membership)
 *   key v3+    newer record types (KIP-848 consumer groups, share groups): skipped on load
 *
 *   OffsetCommitValue v3   => offset leader_epoch metadata commit_timestamp
 *   GroupMetadataValue v3  => protocol_type generation protocol(nullable) leader(nullable)
 *                             current_state_timestamp [members]
 *   members => member_id group_instance_id(nullable) client_id client_host
 *              rebalance_timeout session_timeout subscription assignment
 *
 * A record with a null value (a tombstone) deletes its key. We write OffsetCommitKey v1,
 * OffsetCommitValue v3, GroupMetadataKey v2 and GroupMetadataValue v3, as Kafka 2.1 to 3.x
 * do; we read every version Kafka has written.
 */
import { defineMessage, type MessageInput, type MessageSchema, type MessageType } from '../protocol/message.js'
import { protocolError } from '../protocol/protocol-error.js'
import { Reader } from '../protocol/reader.js'
import { field, type Fields, type StructInput } from '../protocol/schema.js'
import { Writer } from '../protocol/writer.js'

export const offsetCommitKey = defineMessage({
  name: 'OffsetCommitKey',
  validVersions: '0-1',
  flexibleVersions: 'none',
  fields: {
    group: field.string(),
    topic: field.string(),
    partition: field.int32(),
  },
})

export const offsetCommitValue = defineMessage({
  name: 'OffsetCommitValue',
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: {
    offset: field.int64(),
    leaderEpoch: field.int32({ versions: '3+', default: -1 }),
    metadata: field.string(),
    commitTimestamp: field.int64(),
    // Only version 1 carried a per-commit expiry (OffsetCommit v2-4 retention_time_ms).
    expireTimestamp: field.int64({ versions: '1', default: -1n }),
  },
})

export const groupMetadataKey = defineMessage({
  name: 'GroupMetadataKey',
  validVersions: '2',
  flexibleVersions: 'none',
  fields: {
    group: field.string(),
  },
})

export const groupMetadataValue = defineMessage({
  name: 'GroupMetadataValue',
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: {
    protocolType: field.string(),
    generation: field.int32(),
    protocol: field.string({ nullableVersions: '0+' }),
    leader: field.string({ nullableVersions: '0+' }),
    currentStateTimestamp: field.int64({ versions: '2+', default: -1n }),
    members: field.array({
      memberId: field.string(),
      groupInstanceId: field.string({ versions: '3+', nullableVersions: '3+', default: null }),
      clientId: field.string(),
      clientHost: field.string(),
      rebalanceTimeout: field.int32({ versions: '1+', default: -1 }),
      sessionTimeout: field.int32(),
      subscription: field.bytes(),
      assignment: field.bytes(),
    }),
  },
})

export type OffsetCommitKey = MessageType<typeof offsetCommitKey>
export type OffsetCommitValue = MessageType<typeof offsetCommitValue>
export type GroupMetadataValue = MessageType<typeof groupMetadataValue>
export type GroupMetadataValueInput = MessageInput<typeof groupMetadataValue>

/** The versions Samsa writes. */
export const OFFSET_COMMIT_KEY_VERSION = 1
export const OFFSET_COMMIT_VALUE_VERSION = 3
export const GROUP_METADATA_KEY_VERSION = 2
export const GROUP_METADATA_VALUE_VERSION = 3

/** A record of __consumer_offsets, decoded from its key (and value, unless a tombstone). */
export type CoordinatorRecord =
  | { readonly type: 'offset'; readonly key: OffsetCommitKey; readonly value: OffsetCommitValue | null }
  | { readonly type: 'group'; readonly group: string; readonly value: GroupMetadataValue | null }
  | { readonly type: 'other' }

function encodeVersioned<F extends Fields>(schema: MessageSchema<F>, value: StructInput<F>, version: number): Buffer {
  const writer = new Writer(64)
  writer.writeInt16(version)
  return schema.encode(value, version, writer).toBuffer()
}

function decodeVersioned<F extends Fields>(schema: MessageSchema<F>, bytes: Buffer, version: number) {
  if (!schema.supports(version)) throw protocolError(`${schema.name} version ${version} is not one Samsa reads`)
  const reader = new Reader(bytes, 2)
  return schema.decode(reader, version)
}

export function offsetCommitRecordKey(group: string, topic: string, partition: number): Buffer {
  return encodeVersioned(offsetCommitKey, { group, topic, partition }, OFFSET_COMMIT_KEY_VERSION)
}

export function offsetCommitRecordValue(offset: number, leaderEpoch: number, metadata: string, commitTimestamp: number): Buffer {
  return encodeVersioned(
    offsetCommitValue,
    { offset: BigInt(offset), leaderEpoch, metadata, commitTimestamp: BigInt(commitTimestamp) },
    OFFSET_COMMIT_VALUE_VERSION,
  )
}

export function groupMetadataRecordKey(group: string): Buffer {
  return encodeVersioned(groupMetadataKey, { group }, GROUP_METADATA_KEY_VERSION)
}

export function groupMetadataRecordValue(value: GroupMetadataValueInput): Buffer {
  return encodeVersioned(groupMetadataValue, value, GROUP_METADATA_VALUE_VERSION)
}

/**
 * Decodes one record of __consumer_offsets. Throws SAMSA_PROTOCOL when the key or value does not
 * parse; record types newer than Kafka's classic groups come back as `{ type: 'other' }`.
 */
export function decodeCoordinatorRecord(key: Buffer | null, value: Buffer | null): CoordinatorRecord {
  if (key === null || key.length < 2) throw protocolError('a __consumer_offsets record has no key version')
  const keyVersion = key.readInt16BE(0)
  if (keyVersion === 0 || keyVersion === 1) {
    const decodedKey = decodeVersioned(offsetCommitKey, key, keyVersion)
    if (value === null) return { type: 'offset', key: decodedKey, value: null }
    return { type: 'offset', key: decodedKey, value: decodeValue(offsetCommitValue, value) }
  }
  if (keyVersion === 2) {
    const { group } = decodeVersioned(groupMetadataKey, key, keyVersion)
    return { type: 'group', group, value: value === null ? null : decodeValue(groupMetadataValue, value) }
  }
  return { type: 'other' }
}

function decodeValue<F extends Fields>(schema: MessageSchema<F>, value: Buffer) {
  if (value.length < 2) throw protocolError(`a ${schema.name} has no version`)
  return decodeVersioned(schema, value, value.readInt16BE(0))
}
