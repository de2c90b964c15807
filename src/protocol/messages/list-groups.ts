/**
 * ListGroups (API key 16): the groups a broker coordinates, optionally filtered by state (v4+)
 * and type (v5+).
 *
 * Versions 0-5; flexible from 3.
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * ListGroups Request (v0-5)
 *   => [states_filter](v4+) [types_filter](v5+)
 */
export const listGroupsRequest = defineMessage({
  name: 'ListGroupsRequest',
  apiKey: 16,
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: {
    statesFilter: field.array(field.string(), { versions: '4+', default: [] }),
    typesFilter: field.array(field.string(), { versions: '5+', default: [] }),
  },
})

export type ListGroupsRequest = MessageType<typeof listGroupsRequest>
export type ListGroupsRequestInput = MessageInput<typeof listGroupsRequest>

/*
 * ListGroups Response (v0-5)
 *   => throttle_time_ms(v1+) error_code [groups]
 *   groups => group_id protocol_type group_state(v4+) group_type(v5+)
 */
export const listGroupsResponse = defineMessage({
  name: 'ListGroupsResponse',
  apiKey: 16,
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: {
    throttleTimeMs: field.int32({ versions: '1+', default: 0 }),
    errorCode: field.int16(),
    groups: field.array({
      groupId: field.string(),
      protocolType: field.string(),
      groupState: field.string({ versions: '4+', default: '' }),
      groupType: field.string({ versions: '5+', default: '' }),
    }),
  },
})

export type ListGroupsResponse = MessageType<typeof listGroupsResponse>
export type ListGroupsResponseInput = MessageInput<typeof listGroupsResponse>
