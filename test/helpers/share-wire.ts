/**
 * Test helper: share-group requests (KIP-932) over a raw connection, with the fields a test
 * does not care about filled in: a heartbeat, and a ShareFetch that does not wait.
 */
import { ApiKeys } from '../../src/protocol/api-keys.js'
import type { RawConnection } from './group-admin.js'

export interface AcknowledgementBatch {
  readonly firstOffset: bigint
  readonly lastOffset: bigint
  readonly acknowledgeTypes: number[]
}

/** ShareGroupHeartbeat v1: join with epoch 0 and topics, heartbeat with the epoch, leave with -1. */
export function shareHeartbeat(c: RawConnection, groupId: string, memberId: string, memberEpoch: number, subscribedTopicNames: string[] | null = null) {
  return c.request(ApiKeys.ShareGroupHeartbeat, 1, { groupId, memberId, memberEpoch, rackId: null, subscribedTopicNames })
}

/** A ShareFetch v1 body for partition 0 of each topic id (with acknowledgements), answered at once. */
export function shareFetchBody(groupId: string, memberId: string, shareSessionEpoch: number, topics: Array<{ topicId: string; acks?: AcknowledgementBatch[] }>) {
  return {
    groupId,
    memberId,
    shareSessionEpoch,
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: 1 << 20,
    maxRecords: 100,
    batchSize: 100,
    topics: topics.map((t) => ({ topicId: t.topicId, partitions: [{ partitionIndex: 0, acknowledgementBatches: t.acks ?? [] }] })),
    forgottenTopicsData: [],
  }
}
