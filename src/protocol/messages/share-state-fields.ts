/**
 * Field groups the five share-state APIs (InitializeShareGroupState, ReadShareGroupState,
 * WriteShareGroupState, DeleteShareGroupState, ReadShareGroupStateSummary, KIP-932) all use,
 * described once: a state batch of in-flight records, and a share-partition's answer.
 *
 *   state_batches => first_offset last_offset delivery_state(int8: 0 available, 2 acknowledged, 4 archived) delivery_count(int16)
 *   partitions    => partition error_code error_message(nullable) ...
 */
import { type Fields, field } from '../schema.js'

export const stateBatchFields = {
  firstOffset: field.int64(),
  lastOffset: field.int64(),
  deliveryState: field.int8(),
  deliveryCount: field.int16(),
}

export const partitionResultFields = {
  partition: field.int32(),
  errorCode: field.int16(),
  errorMessage: field.string({ nullableVersions: '0+', default: null }),
}

/** A share-state request: `group_id [topics]`, `topics => topic_id [partitions]`, partitions as given. */
export function shareStateRequestFields<P extends Fields>(partition: P) {
  return {
    groupId: field.string(),
    topics: field.array({ topicId: field.uuid(), partitions: field.array(partition) }),
  }
}

/** A share-state response: `[results]`, `results => topic_id [partitions]`, partitions as given. */
export function shareStateResponseFields<P extends Fields>(partition: P) {
  return {
    results: field.array({ topicId: field.uuid(), partitions: field.array(partition) }),
  }
}
