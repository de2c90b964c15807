/**
 * OffsetFetch: a group's committed offsets, for the partitions asked (or, with a null topic
 * list, v2+, every partition the group has committed). Partitions without a commit answer
 * offset -1. Up to v7 one group per request (v0-1 report errors per partition, v2-7 also at top
 * level); from v8 several groups, each with its own error. With require_stable (v7+, sent by
 * read_committed consumers, KIP-447) a partition whose commit is still on its way, above all one
 * inside an open transaction, answers UNSTABLE_OFFSET_COMMIT and the client asks again, so it
 * never starts from an offset that an abort would take back. From v9 a KIP-848 consumer names
 * itself (member id and epoch): a member the consumer group does not know answers
 * UNKNOWN_MEMBER_ID, one with another epoch STALE_MEMBER_EPOCH (the group-level error code).
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import type { OffsetFetchRequest, OffsetFetchResponseInput } from '../../protocol/messages/offset-fetch.js'
import type { OffsetFetchResult } from '../../group/coordinator-results.js'
import type { BrokerContext } from '../broker-context.js'
import { type RequestContext, defineHandler } from '../handler.js'
import { AclOperation, ResourceType } from '../../security/acl.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'

type Topics = ReadonlyArray<{ name: string; partitionIndexes: readonly number[] }> | null
/** v9+ (KIP-848): the member asking and its epoch; null and -1 from admin clients and older versions. */
type FetchingMember = { readonly memberId: string | null; readonly memberEpoch: number }

function partitions(result: OffsetFetchResult) {
  return result.topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p) => ({
      partitionIndex: p.partitionIndex,
      committedOffset: BigInt(p.committed.offset),
      committedLeaderEpoch: p.committed.leaderEpoch,
      metadata: p.committed.metadata,
      errorCode: p.errorCode,
    })),
  }))
}

export function offsetFetchHandler(broker: BrokerContext) {
  /**
   * As Kafka: DESCRIBE on the group, then DESCRIBE on each topic; a topic asked for by name that
   * may not be described answers TOPIC_AUTHORIZATION_FAILED, and one that comes from "every
   * committed topic" is left out.
   */
  const fetchOne = (context: RequestContext, groupId: string, topics: Topics, requireStable: boolean, member?: FetchingMember): OffsetFetchResult => {
    if (!broker.authorizer.authorize(context, AclOperation.DESCRIBE, ResourceType.GROUP, groupId)) return { errorCode: KafkaErrorCodes.GROUP_AUTHORIZATION_FAILED, topics: [] }
    const result = broker.groups.fetchOffsets(groupId, topics, requireStable, member)
    if (!broker.authorizer.enabled) return result
    const visible = (name: string) => broker.authorizer.authorize(context, AclOperation.DESCRIBE, ResourceType.TOPIC, name, topics !== null)
    if (topics === null) return { errorCode: result.errorCode, topics: result.topics.filter((t) => visible(t.name)) }
    return {
      errorCode: result.errorCode,
      topics: result.topics.map((t) => visible(t.name) ? t : {
        name: t.name,
        partitions: t.partitions.map((p) => ({ ...p, committed: { offset: -1, leaderEpoch: -1, metadata: '', commitTimestamp: -1 }, errorCode: KafkaErrorCodes.TOPIC_AUTHORIZATION_FAILED })),
      }),
    }
  }

  const errorResponse = (request: OffsetFetchRequest, errorCode: number, version: number): OffsetFetchResponseInput => {
    const failed = (topics: Topics): OffsetFetchResult => ({
      errorCode,
      topics: (topics ?? []).map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((p) => ({ partitionIndex: p, committed: { offset: -1, leaderEpoch: -1, metadata: '', commitTimestamp: -1 }, errorCode })),
      })),
    })
    if (version >= 8) {
      return { groups: request.groups.map((g) => ({ groupId: g.groupId, topics: partitions(failed(g.topics)), errorCode })) }
    }
    return { topics: partitions(failed(request.topics)), errorCode }
  }

  return defineHandler({
    apiKey: ApiKeys.OffsetFetch,
    advertised: { min: 0, max: 9 },
    handle(request, context) {
      if (context.apiVersion >= 8) {
        return {
          throttleTimeMs: 0,
          groups: request.groups.map((g) => {
            const result = fetchOne(context, g.groupId, g.topics, request.requireStable, g)
            return { groupId: g.groupId, topics: partitions(result), errorCode: result.errorCode }
          }),
        }
      }
      const result = fetchOne(context, request.groupId, request.topics, request.requireStable)
      return { throttleTimeMs: 0, topics: partitions(result), errorCode: result.errorCode }
    },
    errorResponse: (request, errorCode, context) => errorResponse(request, errorCode, context.apiVersion),
  })
}
