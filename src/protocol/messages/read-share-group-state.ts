/**
 * ReadShareGroupState (API key 84, KIP-932): a share-partition leader reads the state it starts
 * from (state epoch, start offset, state batches of in-flight records) from the share
 * coordinator. The leader epoch it sends fences older leaders: the coordinator keeps the
 * highest it has seen, and a read or write with a lower one is FENCED_LEADER_EPOCH.
 *
 * Version 0, flexible. Sent between brokers only (CLUSTER_ACTION).
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'
import { partitionResultFields, shareStateRequestFields, shareStateResponseFields, stateBatchFields } from './share-state-fields.js'

/*
 * ReadShareGroupState Request (v0)
 *   => group_id [topics]
 *   topics => topic_id [partitions]
 *   partitions => partition leader_epoch
 */
export const readShareGroupStateRequest = defineMessage({
  name: 'ReadShareGroupStateRequest',
  apiKey: 84,
  validVersions: '0',
  flexibleVersions: '0+',
  fields: shareStateRequestFields({ partition: field.int32(), leaderEpoch: field.int32() }),
})

export type ReadShareGroupStateRequest = MessageType<typeof readShareGroupStateRequest>
export type ReadShareGroupStateRequestInput = MessageInput<typeof readShareGroupStateRequest>

/*
 * ReadShareGroupState Response (v0)
 *   => [results]
 *   results => topic_id [partitions]
 *   partitions => partition error_code error_message(nullable) state_epoch start_offset [state_batches]
 *   state_batches => first_offset last_offset delivery_state(int8) delivery_count(int16)
 */
export const readShareGroupStateResponse = defineMessage({
  name: 'ReadShareGroupStateResponse',
  apiKey: 84,
  validVersions: '0',
  flexibleVersions: '0+',
  fields: shareStateResponseFields({
    ...partitionResultFields,
    stateEpoch: field.int32(),
    startOffset: field.int64(),
    stateBatches: field.array(stateBatchFields),
  }),
})

export type ReadShareGroupStateResponse = MessageType<typeof readShareGroupStateResponse>
export type ReadShareGroupStateResponseInput = MessageInput<typeof readShareGroupStateResponse>
