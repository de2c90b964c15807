/**
 * InitializeShareGroupState (API key 83, KIP-932): broker to share coordinator. Sets a
 * share-partition's state afresh (a state epoch and a start offset, nothing in flight), as the
 * group side does for AlterShareGroupOffsets. A state epoch not newer than the one held is
 * FENCED_STATE_EPOCH.
 *
 * Version 0, flexible. Sent between brokers only (CLUSTER_ACTION).
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'
import { partitionResultFields, shareStateRequestFields, shareStateResponseFields } from './share-state-fields.js'

/*
 * InitializeShareGroupState Request (v0)
 *   => group_id [topics]
 *   topics => topic_id [partitions]
 *   partitions => partition state_epoch start_offset
 */
export const initializeShareGroupStateRequest = defineMessage({
  name: 'InitializeShareGroupStateRequest',
  apiKey: 83,
  validVersions: '0',
  flexibleVersions: '0+',
  fields: shareStateRequestFields({ partition: field.int32(), stateEpoch: field.int32(), startOffset: field.int64() }),
})

export type InitializeShareGroupStateRequest = MessageType<typeof initializeShareGroupStateRequest>
export type InitializeShareGroupStateRequestInput = MessageInput<typeof initializeShareGroupStateRequest>

/*
 * InitializeShareGroupState Response (v0)
 *   => [results]
 *   results => topic_id [partitions]
 *   partitions => partition error_code error_message(nullable)
 */
export const initializeShareGroupStateResponse = defineMessage({
  name: 'InitializeShareGroupStateResponse',
  apiKey: 83,
  validVersions: '0',
  flexibleVersions: '0+',
  fields: shareStateResponseFields(partitionResultFields),
})

export type InitializeShareGroupStateResponse = MessageType<typeof initializeShareGroupStateResponse>
export type InitializeShareGroupStateResponseInput = MessageInput<typeof initializeShareGroupStateResponse>
