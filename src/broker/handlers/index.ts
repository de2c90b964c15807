/**
 * Every Kafka API the broker serves, one handler per API. ApiVersions advertises whatever the
 * processor serves, so it reads the table lazily through `served`.
 */
import type { BrokerContext } from '../broker-context.js'
import { brokerFeatures } from '../features.js'
import type { ApiHandler } from '../handler.js'
import { addOffsetsToTxnHandler } from './add-offsets-to-txn.js'
import { addPartitionsToTxnHandler } from './add-partitions-to-txn.js'
import { alterClientQuotasHandler } from './alter-client-quotas.js'
import { alterConfigsHandler } from './alter-configs.js'
import { alterShareGroupOffsetsHandler } from './alter-share-group-offsets.js'
import { alterPartitionReassignmentsHandler } from './alter-partition-reassignments.js'
import { apiVersionsHandler } from './api-versions.js'
import { createAclsHandler } from './create-acls.js'
import { consumerGroupDescribeHandler } from './consumer-group-describe.js'
import { consumerGroupHeartbeatHandler } from './consumer-group-heartbeat.js'
import { createPartitionsHandler } from './create-partitions.js'
import { createTopicsHandler } from './create-topics.js'
import { deleteAclsHandler } from './delete-acls.js'
import { deleteGroupsHandler } from './delete-groups.js'
import { deleteRecordsHandler } from './delete-records.js'
import { deleteShareGroupOffsetsHandler } from './delete-share-group-offsets.js'
import { deleteTopicsHandler } from './delete-topics.js'
import { describeAclsHandler } from './describe-acls.js'
import { describeClientQuotasHandler } from './describe-client-quotas.js'
import { describeClusterHandler } from './describe-cluster.js'
import { describeConfigsHandler } from './describe-configs.js'
import { describeGroupsHandler } from './describe-groups.js'
import { describeShareGroupOffsetsHandler } from './describe-share-group-offsets.js'
import { describeProducersHandler } from './describe-producers.js'
import { describeTopicPartitionsHandler } from './describe-topic-partitions.js'
import { describeTransactionsHandler } from './describe-transactions.js'
import { endTxnHandler } from './end-txn.js'
import { electLeadersHandler } from './elect-leaders.js'
import { fetchHandler } from './fetch.js'
import { findCoordinatorHandler } from './find-coordinator.js'
import { heartbeatHandler } from './heartbeat.js'
import { incrementalAlterConfigsHandler } from './incremental-alter-configs.js'
import { initProducerIdHandler } from './init-producer-id.js'
import { joinGroupHandler } from './join-group.js'
import { leaveGroupHandler } from './leave-group.js'
import { listGroupsHandler } from './list-groups.js'
import { listConfigResourcesHandler } from './list-config-resources.js'
import { listOffsetsHandler } from './list-offsets.js'
import { listPartitionReassignmentsHandler } from './list-partition-reassignments.js'
import { listTransactionsHandler } from './list-transactions.js'
import { metadataHandler } from './metadata.js'
import { offsetCommitHandler } from './offset-commit.js'
import { offsetDeleteHandler } from './offset-delete.js'
import { offsetFetchHandler } from './offset-fetch.js'
import { offsetForLeaderEpochHandler } from './offset-for-leader-epoch.js'
import { produceHandler } from './produce.js'
import { saslAuthenticateHandler } from './sasl-authenticate.js'
import { saslHandshakeHandler } from './sasl-handshake.js'
import { shareAcknowledgeHandler } from './share-acknowledge.js'
import { shareFetchHandler } from './share-fetch.js'
import { shareGroupDescribeHandler } from './share-group-describe.js'
import { shareGroupHeartbeatHandler } from './share-group-heartbeat.js'
import { alterUserScramCredentialsHandler } from './alter-user-scram-credentials.js'
import { describeUserScramCredentialsHandler } from './describe-user-scram-credentials.js'
import { syncGroupHandler } from './sync-group.js'
import { txnOffsetCommitHandler } from './txn-offset-commit.js'
import { writeTxnMarkersHandler } from './write-txn-markers.js'
import { initializeShareGroupStateHandler } from './initialize-share-group-state.js'
import { readShareGroupStateHandler } from './read-share-group-state.js'
import { writeShareGroupStateHandler } from './write-share-group-state.js'
import { deleteShareGroupStateHandler } from './delete-share-group-state.js'
import { readShareGroupStateSummaryHandler } from './read-share-group-state-summary.js'

export function kafkaApiHandlers(context: BrokerContext, served: () => readonly ApiHandler[]): ApiHandler[] {
  return [
    produceHandler(context),
    fetchHandler(context),
    metadataHandler(context),
    listOffsetsHandler(context),
    saslHandshakeHandler(context),
    saslAuthenticateHandler(context),
    apiVersionsHandler(served, { features: brokerFeatures({ consumerGroups: context.groups.servesConsumerGroups, shareGroups: context.shares !== null }), logger: context.logger }),
    initProducerIdHandler(context),
    addPartitionsToTxnHandler(context),
    addOffsetsToTxnHandler(context),
    endTxnHandler(context),
    describeTransactionsHandler(context),
    listTransactionsHandler(context),
    offsetForLeaderEpochHandler(context),
    writeTxnMarkersHandler(context),
    describeProducersHandler(context),
    deleteRecordsHandler(context),
    findCoordinatorHandler(context),
    joinGroupHandler(context),
    syncGroupHandler(context),
    heartbeatHandler(context),
    leaveGroupHandler(context),
    offsetCommitHandler(context),
    offsetFetchHandler(context),
    txnOffsetCommitHandler(context),
    listGroupsHandler(context),
    describeGroupsHandler(context),
    deleteGroupsHandler(context),
    offsetDeleteHandler(context),
    createTopicsHandler(context),
    deleteTopicsHandler(context),
    createPartitionsHandler(context),
    describeConfigsHandler(context),
    listConfigResourcesHandler(context),
    alterConfigsHandler(context),
    incrementalAlterConfigsHandler(context),
    describeClusterHandler(context),
    describeTopicPartitionsHandler(context),
    electLeadersHandler(context),
    alterPartitionReassignmentsHandler(context),
    listPartitionReassignmentsHandler(context),
    describeAclsHandler(context),
    createAclsHandler(context),
    deleteAclsHandler(context),
    describeClientQuotasHandler(context),
    alterClientQuotasHandler(context),
    describeUserScramCredentialsHandler(context),
    alterUserScramCredentialsHandler(context),
    // Advertised even when group.coordinator.rebalance.protocols leaves "consumer" out: the
    // heartbeat is then answered UNSUPPORTED_VERSION with a message, which librdkafka 2.16 and
    // the Java client 4.x both raise to the application at once; an API left out of ApiVersions
    // makes librdkafka's consumer wait silently forever (checked with confluent-kafka 2.16.2).
    consumerGroupHeartbeatHandler(context),
    consumerGroupDescribeHandler(context),
    // Share groups (KIP-932); advertised only when served, as Kafka does, so a share consumer
    // fails at once with the Java client's own "share groups are not supported" error.
    ...(context.shares === null
      ? []
      : [
        shareGroupHeartbeatHandler(context),
        shareGroupDescribeHandler(context),
        shareFetchHandler(context, context.shares),
        shareAcknowledgeHandler(context, context.shares),
        describeShareGroupOffsetsHandler(context),
        alterShareGroupOffsetsHandler(context),
        deleteShareGroupOffsetsHandler(context),
        // The share coordinator's APIs, for other brokers (share-partition leaders, the admin side).
        initializeShareGroupStateHandler(context),
        readShareGroupStateHandler(context),
        writeShareGroupStateHandler(context),
        deleteShareGroupStateHandler(context),
        readShareGroupStateSummaryHandler(context),
      ]),
  ]
}
