/**
 * ConsumerGroupDescribe (API key 69): the members, epochs and assignments of KIP-848 consumer
 * groups, as the admin client's describeConsumerGroups and kafka-consumer-groups --describe ask
 * for them. A classic group is not described here (GROUP_ID_NOT_FOUND): the admin client then
 * asks DescribeGroups.
 *
 * Versions 0-1; flexible from 0. v1 adds each member's type (KIP-1099: 1 consumer protocol,
 * 0 classic protocol, -1 unknown).
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * ConsumerGroupDescribe Request (v0-1)
 *   => [group_ids] include_authorized_operations
 */
export const consumerGroupDescribeRequest = defineMessage({
  name: 'ConsumerGroupDescribeRequest',
  apiKey: 69,
  validVersions: '0-1',
  flexibleVersions: '0+',
  fields: {
    groupIds: field.array(field.string()),
    includeAuthorizedOperations: field.bool(),
  },
})

export type ConsumerGroupDescribeRequest = MessageType<typeof consumerGroupDescribeRequest>
export type ConsumerGroupDescribeRequestInput = MessageInput<typeof consumerGroupDescribeRequest>

const assignment = {
  topicPartitions: field.array({
    topicId: field.uuid(),
    topicName: field.string(),
    partitions: field.array(field.int32()),
  }),
}

/*
 * ConsumerGroupDescribe Response (v0-1)
 *   => throttle_time_ms [groups]
 *   groups => error_code error_message(nullable) group_id group_state group_epoch
 *             assignment_epoch assignor_name [members] authorized_operations
 *   members => member_id instance_id(nullable) rack_id(nullable) member_epoch client_id
 *              client_host [subscribed_topic_names] subscribed_topic_regex(nullable)
 *              assignment target_assignment member_type(v1+)
 *   assignment => [topic_partitions]
 *   topic_partitions => topic_id topic_name [partitions]
 */
export const consumerGroupDescribeResponse = defineMessage({
  name: 'ConsumerGroupDescribeResponse',
  apiKey: 69,
  validVersions: '0-1',
  flexibleVersions: '0+',
  fields: {
    throttleTimeMs: field.int32({ default: 0 }),
    groups: field.array({
      errorCode: field.int16(),
      errorMessage: field.string({ nullableVersions: '0+', default: null }),
      groupId: field.string(),
      groupState: field.string({ default: '' }),
      groupEpoch: field.int32({ default: 0 }),
      assignmentEpoch: field.int32({ default: 0 }),
      assignorName: field.string({ default: '' }),
      members: field.array(
        {
          memberId: field.string(),
          instanceId: field.string({ nullableVersions: '0+', default: null }),
          rackId: field.string({ nullableVersions: '0+', default: null }),
          memberEpoch: field.int32(),
          clientId: field.string(),
          clientHost: field.string(),
          subscribedTopicNames: field.array(field.string()),
          subscribedTopicRegex: field.string({ nullableVersions: '0+', default: null }),
          assignment: field.struct(assignment),
          targetAssignment: field.struct(assignment),
          memberType: field.int8({ versions: '1+', default: -1 }),
        },
        { default: [] },
      ),
      authorizedOperations: field.int32({ default: -2147483648 }),
    }),
  },
})

export type ConsumerGroupDescribeResponse = MessageType<typeof consumerGroupDescribeResponse>
export type ConsumerGroupDescribeResponseInput = MessageInput<typeof consumerGroupDescribeResponse>
