/**
 * DeleteShareGroupState (API key 86, KIP-932): forgets share-partitions' state on the share
 * coordinator (DeleteShareGroupOffsets, a deleted share group). Deleting state that does not
 * exist succeeds.
 *
 * Version 0, flexible. Sent between brokers only (CLUSTER_ACTION).
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'
import { partitionResultFields, shareStateRequestFields, shareStateResponseFields } from './share-state-fields.js'

/*
 * DeleteShareGroupState Request (v0)
 *   => group_id [topics]
 *   topics => topic_id [partitions]
 *   partitions => partition
 */
export const deleteShareGroupStateRequest = defineMessage({
  name: 'DeleteShareGroupStateRequest',
  apiKey: 86,
  validVersions: '0',
  flexibleVersions: '0+',
  fields: shareStateRequestFields({ partition: field.int32() }),
})

export type DeleteShareGroupStateRequest = MessageType<typeof deleteShareGroupStateRequest>
export type DeleteShareGroupStateRequestInput = MessageInput<typeof deleteShareGroupStateRequest>

/*
 * DeleteShareGroupState Response (v0)
 *   => [results]
 *   results => topic_id [partitions]
 *   partitions => partition error_code error_message(nullable)
 */
export const deleteShareGroupStateResponse = defineMessage({
  name: 'DeleteShareGroupStateResponse',
  apiKey: 86,
  validVersions: '0',
  flexibleVersions: '0+',
  fields: shareStateResponseFields(partitionResultFields),
})

export type DeleteShareGroupStateResponse = MessageType<typeof deleteShareGroupStateResponse>
export type DeleteShareGroupStateResponseInput = MessageInput<typeof deleteShareGroupStateResponse>
