/**
 * ShareGroupDescribe (API key 77): share groups' members, epochs and assignments, for admin
 * clients (kafka-share-groups --describe --members).
 *
 * Version 1 only (v0 was Kafka 4.0's early access, removed in 4.1).
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * ShareGroupDescribe Request (v1) => [group_ids] include_authorized_operations
 */
export const shareGroupDescribeRequest = defineMessage({
  name: 'ShareGroupDescribeRequest',
  apiKey: 77,
  validVersions: '1',
  flexibleVersions: '0+',
  fields: {
    groupIds: field.array(field.string()),
    includeAuthorizedOperations: field.bool(),
  },
})

export type ShareGroupDescribeRequest = MessageType<typeof shareGroupDescribeRequest>

const topicPartitions = {
  topicId: field.uuid(),
  topicName: field.string(),
  partitions: field.array(field.int32()),
}

/*
 * ShareGroupDescribe Response (v1)
 *   => throttle_time_ms [groups]
 *   groups => error_code error_message(nullable) group_id group_state group_epoch
 *             assignment_epoch assignor_name [members] authorized_operations
 *   members => member_id rack_id(nullable) member_epoch client_id client_host
 *              [subscribed_topic_names] assignment
 *   assignment => [topic_partitions]
 *   topic_partitions => topic_id topic_name [partitions]
 */
export const shareGroupDescribeResponse = defineMessage({
  name: 'ShareGroupDescribeResponse',
  apiKey: 77,
  validVersions: '1',
  flexibleVersions: '0+',
  fields: {
    throttleTimeMs: field.int32({ default: 0 }),
    groups: field.array({
      errorCode: field.int16(),
      errorMessage: field.string({ nullableVersions: '0+', default: null }),
      groupId: field.string(),
      groupState: field.string(),
      groupEpoch: field.int32(),
      assignmentEpoch: field.int32(),
      assignorName: field.string(),
      members: field.array({
        memberId: field.string(),
        rackId: field.string({ nullableVersions: '0+', default: null }),
        memberEpoch: field.int32(),
        clientId: field.string(),
        clientHost: field.string(),
        subscribedTopicNames: field.array(field.string()),
        assignment: field.struct({ topicPartitions: field.array(topicPartitions) }),
      }),
      authorizedOperations: field.int32({ default: -2147483648 }),
    }),
  },
})

export type ShareGroupDescribeResponse = MessageType<typeof shareGroupDescribeResponse>
export type ShareGroupDescribeResponseInput = MessageInput<typeof shareGroupDescribeResponse>
