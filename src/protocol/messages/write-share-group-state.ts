/**
 * WriteShareGroupState (API key 85, KIP-932): a share-partition leader writes its state to the
 * share coordinator after acknowledgements, releases and lock timeouts change it. The batches
 * written replace the coordinator's for their offsets; a start offset of -1 keeps the one held.
 * An older leader epoch is FENCED_LEADER_EPOCH, an older state epoch FENCED_STATE_EPOCH.
 *
 * Version 0, flexible. Sent between brokers only (CLUSTER_ACTION).
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'
import { partitionResultFields, shareStateRequestFields, shareStateResponseFields, stateBatchFields } from './share-state-fields.js'

/*
 * WriteShareGroupState Request (v0)
 *   => group_id [topics]
 *   topics => topic_id [partitions]
 *   partitions => partition state_epoch leader_epoch start_offset [state_batches]
 *   state_batches => first_offset last_offset delivery_state(int8) delivery_count(int16)
 */
export const writeShareGroupStateRequest = defineMessage({
  name: 'WriteShareGroupStateRequest',
  apiKey: 85,
  validVersions: '0',
  flexibleVersions: '0+',
  fields: shareStateRequestFields({
    partition: field.int32(),
    stateEpoch: field.int32(),
    leaderEpoch: field.int32(),
    startOffset: field.int64(),
    stateBatches: field.array(stateBatchFields),
  }),
})

export type WriteShareGroupStateRequest = MessageType<typeof writeShareGroupStateRequest>
export type WriteShareGroupStateRequestInput = MessageInput<typeof writeShareGroupStateRequest>

/*
 * WriteShareGroupState Response (v0)
 *   => [results]
 *   results => topic_id [partitions]
 *   partitions => partition error_code error_message(nullable)
 */
export const writeShareGroupStateResponse = defineMessage({
  name: 'WriteShareGroupStateResponse',
  apiKey: 85,
  validVersions: '0',
  flexibleVersions: '0+',
  fields: shareStateResponseFields(partitionResultFields),
})

export type WriteShareGroupStateResponse = MessageType<typeof writeShareGroupStateResponse>
export type WriteShareGroupStateResponseInput = MessageInput<typeof writeShareGroupStateResponse>
