/**
 * DeleteGroups (API key 42): delete empty groups and their committed offsets.
 *
 * Versions 0-2; flexible from 2.
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * DeleteGroups Request (v0-2)
 *   => [groups_names]
 */
export const deleteGroupsRequest = defineMessage({
  name: 'DeleteGroupsRequest',
  apiKey: 42,
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: {
    groupsNames: field.array(field.string()),
  },
})

export type DeleteGroupsRequest = MessageType<typeof deleteGroupsRequest>
export type DeleteGroupsRequestInput = MessageInput<typeof deleteGroupsRequest>

/*
 * DeleteGroups Response (v0-2)
 *   => throttle_time_ms [results]
 *   results => group_id error_code
 */
export const deleteGroupsResponse = defineMessage({
  name: 'DeleteGroupsResponse',
  apiKey: 42,
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: {
    throttleTimeMs: field.int32({ default: 0 }),
    results: field.array({
      groupId: field.string(),
      errorCode: field.int16(),
    }),
  },
})

export type DeleteGroupsResponse = MessageType<typeof deleteGroupsResponse>
export type DeleteGroupsResponseInput = MessageInput<typeof deleteGroupsResponse>
