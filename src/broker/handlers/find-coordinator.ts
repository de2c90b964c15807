/**
 * FindCoordinator: which broker coordinates a group: the leader of the group's partition of
 * `__consumer_offsets`, as the metadata says, at the address the cluster view has for it.
 * COORDINATOR_NOT_AVAILABLE while that partition has no leader or its leader is not a live
 * broker; clients retry. Answered at once, from what this broker already knows:
 * `__consumer_offsets` exists from broker start, so the answer never depends on creating it
 * (lazily creating it while clients wait is what kept kafkajs on COORDINATOR_NOT_AVAILABLE in
 * kafkajs#1752). On a single broker the coordinator is this broker.
 *
 * key_type 0 is a group (its partition of `__consumer_offsets`); 1 a transactional id (the
 * leader of its partition of `__transaction_state`, which the first such request creates, as
 * Kafka does; an empty id is INVALID_REQUEST); 2 a share-partition, "groupId:topicId:partition"
 * (the leader of its partition of `__share_group_state`; brokers ask, so CLUSTER_ACTION as in
 * Kafka); other key types are INVALID_REQUEST. Up to v3 one
 * key per request, answered in the top-level fields; from v4 a batch of keys.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { FindCoordinatorRequest, FindCoordinatorResponseInput } from '../../protocol/messages/find-coordinator.js'
import { OFFSETS_TOPIC } from '../../group/coordinator-key.js'
import { TRANSACTION_STATE_TOPIC } from '../../transaction/transaction-topic.js'
import { SHARE_GROUP_STATE_TOPIC, parseShareCoordinatorKey } from '../../group/share/coordinator/share-group-state-topic.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../../security/acl.js'
import type { RequestContext } from '../handler.js'

const GROUP_KEY = 0
const TRANSACTION_KEY = 1
const SHARE_KEY = 2

type Coordinator = NonNullable<FindCoordinatorResponseInput['coordinators']>[number]

export function findCoordinatorHandler(broker: BrokerContext) {
  const find = (context: RequestContext, key: string, keyType: number): Coordinator => {
    const none = { key, nodeId: -1, host: '', port: -1 }
    if (keyType !== GROUP_KEY && keyType !== TRANSACTION_KEY && keyType !== SHARE_KEY) {
      return { ...none, errorCode: KafkaErrorCodes.INVALID_REQUEST, errorMessage: `Unknown coordinator key type ${keyType}.` }
    }
    if (keyType === SHARE_KEY) {
      if (!broker.authorizer.authorize(context, AclOperation.CLUSTER_ACTION, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) {
        return { ...none, errorCode: KafkaErrorCodes.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null }
      }
      if (broker.shareCoordinator === null) {
        return { ...none, errorCode: KafkaErrorCodes.INVALID_REQUEST, errorMessage: 'Share groups are not enabled on this broker (group.share.enable), so it has no share coordinator.' }
      }
      if (parseShareCoordinatorKey(key) === null) {
        return { ...none, errorCode: KafkaErrorCodes.INVALID_REQUEST, errorMessage: `Share coordinator key '${key}' is not groupId:topicId:partition.` }
      }
    }
    if (keyType === GROUP_KEY && !broker.authorizer.authorize(context, AclOperation.DESCRIBE, ResourceType.GROUP, key)) {
      return { ...none, errorCode: KafkaErrorCodes.GROUP_AUTHORIZATION_FAILED, errorMessage: null }
    }
    if (keyType === TRANSACTION_KEY && !broker.authorizer.authorize(context, AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, key)) {
      return { ...none, errorCode: KafkaErrorCodes.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, errorMessage: null }
    }
    if (keyType === TRANSACTION_KEY && key === '') {
      return { ...none, errorCode: KafkaErrorCodes.INVALID_REQUEST, errorMessage: 'The transactional id is empty.' }
    }
    const [topic, partition, what] =
      keyType === GROUP_KEY
        ? [OFFSETS_TOPIC, broker.groups.partitionFor(key), 'this group']
        : keyType === TRANSACTION_KEY
          ? [TRANSACTION_STATE_TOPIC, broker.transactions.partitionFor(key), 'this transactional id']
          : [SHARE_GROUP_STATE_TOPIC, broker.shareCoordinator!.partitionFor(parseShareCoordinatorKey(key)!), 'this share-partition\'s state']
    const leader = broker.metadata.partitionState(topic, partition)?.leader ?? -1
    if (leader < 0) {
      return { ...none, errorCode: KafkaErrorCodes.COORDINATOR_NOT_AVAILABLE, errorMessage: `${topic}-${partition}, which holds ${what}, has no leader.` }
    }
    const coordinator = broker.cluster.broker(leader, context.connection.listenerName)
    if (coordinator === undefined) {
      return {
        ...none,
        errorCode: KafkaErrorCodes.COORDINATOR_NOT_AVAILABLE,
        errorMessage: `Broker ${leader}, the leader of ${topic}-${partition} which holds ${what}, is not live or has no ${context.connection.listenerName} listener.`,
      }
    }
    return { key, nodeId: coordinator.nodeId, host: coordinator.host, port: coordinator.port, errorCode: KafkaErrorCodes.NONE, errorMessage: null }
  }

  const answer = (request: FindCoordinatorRequest, context: RequestContext): FindCoordinatorResponseInput => {
    if (context.apiVersion >= 4) return { throttleTimeMs: 0, coordinators: request.coordinatorKeys.map((key) => find(context, key, request.keyType)) }
    const found = find(context, request.key, request.keyType)
    return {
      throttleTimeMs: 0,
      errorCode: found.errorCode,
      errorMessage: found.errorMessage ?? null,
      nodeId: found.nodeId,
      host: found.host,
      port: found.port,
    }
  }

  return defineHandler({
    apiKey: ApiKeys.FindCoordinator,
    advertised: { min: 0, max: 6 },
    handle(request, context) {
      // In a cluster __consumer_offsets is made on first use, once brokers have joined (Kafka does
      // the same); on a single broker it exists from start and this never waits.
      // __transaction_state is made on the first transactional FindCoordinator, on a single
      // broker too (most never use transactions and need not carry its 50 partitions).
      const [topic, ensure] =
        request.keyType === GROUP_KEY
          ? [OFFSETS_TOPIC, () => broker.topics.ensureOffsetsTopic()]
          : request.keyType === TRANSACTION_KEY
            ? [TRANSACTION_STATE_TOPIC, () => broker.topics.ensureTransactionStateTopic()]
            : [SHARE_GROUP_STATE_TOPIC, () => broker.topics.ensureShareGroupStateTopic()]
      // __share_group_state is made for brokers only (CLUSTER_ACTION), never at a client's bidding.
      const served = request.keyType === GROUP_KEY || request.keyType === TRANSACTION_KEY ||
        (request.keyType === SHARE_KEY && broker.shareCoordinator !== null && broker.authorizer.authorize(context, AclOperation.CLUSTER_ACTION, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME))
      if (served && broker.metadata.topic(topic) === undefined) {
        return ensure().then(
          () => answer(request, context),
          (error: unknown) => {
            broker.logger.warn(`could not create ${topic}; clients will retry`, { error })
            return answer(request, context)
          },
        )
      }
      return answer(request, context)
    },
    errorResponse(request, errorCode, context) {
      if (context.apiVersion >= 4) {
        return { coordinators: request.coordinatorKeys.map((key) => ({ key, nodeId: -1, host: '', port: -1, errorCode, errorMessage: null })) }
      }
      return { errorCode, nodeId: -1, host: '', port: -1 }
    },
  })
}
