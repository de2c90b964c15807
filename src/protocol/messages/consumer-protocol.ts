/**
 * The consumer protocol: what Kafka consumers put inside JoinGroup protocol metadata
 * (subscription) and SyncGroup assignments (assignment). The broker only relays these bytes; the
 * group leader's client decodes them to assign partitions. Samsa's own client and the group
 * tools need them, and the broker may read subscriptions for DescribeGroups and for offset
 * expiry of unsubscribed topics.
 *
 * Neither is ever flexible. Each is prefixed by its own INT16 version. A version newer than we
 * know is read as the newest we know (later versions only append fields, and trailing bytes are
 * ignored), the rule Kafka's consumers follow so that old and new members can share a group.
 */
import { defineMessage, type MessageInput, type MessageSchema, type MessageType } from '../message.js'
import { protocolError } from '../protocol-error.js'
import { Reader } from '../reader.js'
import { field, type Fields, type StructOf, type StructInput } from '../schema.js'
import { Writer } from '../writer.js'

/*
 * ConsumerProtocolSubscription (v0-3)
 *   => version:int16 [topics] user_data(nullable) [owned_partitions](v1+) generation_id(v2+)
 *      rack_id(v3+, nullable)
 *   owned_partitions => topic [partitions]
 */
export const consumerProtocolSubscription = defineMessage({
  name: 'ConsumerProtocolSubscription',
  validVersions: '0-3',
  flexibleVersions: 'none',
  fields: {
    topics: field.array(field.string()),
    userData: field.bytes({ nullableVersions: '0+', default: null }),
    ownedPartitions: field.array(
      {
        topic: field.string(),
        partitions: field.array(field.int32()),
      },
      { versions: '1+', default: [] },
    ),
    generationId: field.int32({ versions: '2+', default: -1 }),
    rackId: field.string({ versions: '3+', nullableVersions: '3+', default: null }),
  },
})

export type ConsumerProtocolSubscription = MessageType<typeof consumerProtocolSubscription>
export type ConsumerProtocolSubscriptionInput = MessageInput<typeof consumerProtocolSubscription>

/*
 * ConsumerProtocolAssignment (v0-3; the layout is the same in every version)
 *   => version:int16 [assigned_partitions] user_data(nullable)
 *   assigned_partitions => topic [partitions]
 */
export const consumerProtocolAssignment = defineMessage({
  name: 'ConsumerProtocolAssignment',
  validVersions: '0-3',
  flexibleVersions: 'none',
  fields: {
    assignedPartitions: field.array({
      topic: field.string(),
      partitions: field.array(field.int32()),
    }),
    userData: field.bytes({ nullableVersions: '0+', default: null }),
  },
})

export type ConsumerProtocolAssignment = MessageType<typeof consumerProtocolAssignment>
export type ConsumerProtocolAssignmentInput = MessageInput<typeof consumerProtocolAssignment>

/** A decoded embedded message with the version its sender wrote. */
export interface Versioned<T> {
  readonly version: number
  readonly value: T
}

function encodeVersioned<F extends Fields>(schema: MessageSchema<F>, value: StructInput<F>, version: number): Buffer {
  const writer = new Writer(128)
  writer.writeInt16(version)
  return schema.encode(value, version, writer).toBuffer()
}

function decodeVersioned<F extends Fields>(schema: MessageSchema<F>, bytes: Buffer): Versioned<StructOf<F>> {
  const reader = new Reader(bytes)
  const version = reader.readInt16()
  if (version < 0) throw protocolError(`${schema.name} version ${version} is negative`)
  const value = schema.decode(reader, Math.min(version, schema.maxVersion))
  return { version, value }
}

/** INT16 version, then the subscription (v3, the newest, by default). */
export function encodeSubscription(value: ConsumerProtocolSubscriptionInput, version = 3): Buffer {
  return encodeVersioned(consumerProtocolSubscription, value, version)
}

/** Reads a subscription; byte fields are views into `bytes`. Throws SAMSA_PROTOCOL when malformed. */
export function decodeSubscription(bytes: Buffer): Versioned<ConsumerProtocolSubscription> {
  return decodeVersioned(consumerProtocolSubscription, bytes)
}

/** INT16 version, then the assignment (v3 by default; every version has the same layout). */
export function encodeAssignment(value: ConsumerProtocolAssignmentInput, version = 3): Buffer {
  return encodeVersioned(consumerProtocolAssignment, value, version)
}

/** Reads an assignment; byte fields are views into `bytes`. Throws SAMSA_PROTOCOL when malformed. */
export function decodeAssignment(bytes: Buffer): Versioned<ConsumerProtocolAssignment> {
  return decodeVersioned(consumerProtocolAssignment, bytes)
}
