/**
 * ReadShareGroupStateSummary (API key 87, KIP-932): a share-partition's state epoch and start
 * offset from the share coordinator, without its batches, for the admin side
 * (DescribeShareGroupOffsets, and AlterShareGroupOffsets to pick the next state epoch). It
 * fences nothing: an admin is no partition leader.
 *
 * Version 0, flexible. Sent between brokers only (CLUSTER_ACTION).
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'
import { partitionResultFields, shareStateRequestFields, shareStateResponseFields } from './share-state-fields.js'

/*
 * ReadShareGroupStateSummary Request (v0)
 *   => group_id [topics]
 *   topics => topic_id [partitions]
 *   partitions => partition leader_epoch
 */
export const readShareGroupStateSummaryRequest = defineMessage({
  name: 'ReadShareGroupStateSummaryRequest',
  apiKey: 87,
  validVersions: '0',
  flexibleVersions: '0+',
  fields: shareStateRequestFields({ partition: field.int32(), leaderEpoch: field.int32() }),
})

export type ReadShareGroupStateSummaryRequest = MessageType<typeof readShareGroupStateSummaryRequest>
export type ReadShareGroupStateSummaryRequestInput = MessageInput<typeof readShareGroupStateSummaryRequest>

/*
 * ReadShareGroupStateSummary Response (v0)
 *   => [results]
 *   results => topic_id [partitions]
 *   partitions => partition error_code error_message(nullable) state_epoch start_offset
 */
export const readShareGroupStateSummaryResponse = defineMessage({
  name: 'ReadShareGroupStateSummaryResponse',
  apiKey: 87,
  validVersions: '0',
  flexibleVersions: '0+',
  fields: shareStateResponseFields({
    ...partitionResultFields,
    stateEpoch: field.int32(),
    startOffset: field.int64(),
  }),
})

export type ReadShareGroupStateSummaryResponse = MessageType<typeof readShareGroupStateSummaryResponse>
export type ReadShareGroupStateSummaryResponseInput = MessageInput<typeof readShareGroupStateSummaryResponse>
