/**
 * The table of APIs Samsa describes: API key → name, request and response descriptions, the
 * version range they cover and the first flexible version. The broker's dispatch and its
 * ApiVersions answer start from this table (they may advertise less than a description covers).
 */
import { ApiKeys } from '../api-keys.js'
import type { MessageInput, MessageSchema, MessageType } from '../message.js'
import { addOffsetsToTxnRequest, addOffsetsToTxnResponse } from './add-offsets-to-txn.js'
import { addPartitionsToTxnRequest, addPartitionsToTxnResponse } from './add-partitions-to-txn.js'
import { alterClientQuotasRequest, alterClientQuotasResponse } from './alter-client-quotas.js'
import { alterConfigsRequest, alterConfigsResponse } from './alter-configs.js'
import { alterUserScramCredentialsRequest, alterUserScramCredentialsResponse } from './alter-user-scram-credentials.js'
import { alterPartitionReassignmentsRequest, alterPartitionReassignmentsResponse } from './alter-partition-reassignments.js'
import { alterShareGroupOffsetsRequest, alterShareGroupOffsetsResponse } from './alter-share-group-offsets.js'
import { apiVersionsRequest, apiVersionsResponse } from './api-versions.js'
import { createAclsRequest, createAclsResponse } from './create-acls.js'
import { consumerGroupDescribeRequest, consumerGroupDescribeResponse } from './consumer-group-describe.js'
import { consumerGroupHeartbeatRequest, consumerGroupHeartbeatResponse } from './consumer-group-heartbeat.js'
import { createPartitionsRequest, createPartitionsResponse } from './create-partitions.js'
import { createTopicsRequest, createTopicsResponse } from './create-topics.js'
import { deleteAclsRequest, deleteAclsResponse } from './delete-acls.js'
import { deleteGroupsRequest, deleteGroupsResponse } from './delete-groups.js'
import { deleteRecordsRequest, deleteRecordsResponse } from './delete-records.js'
import { electLeadersRequest, electLeadersResponse } from './elect-leaders.js'
import { deleteShareGroupOffsetsRequest, deleteShareGroupOffsetsResponse } from './delete-share-group-offsets.js'
import { deleteTopicsRequest, deleteTopicsResponse } from './delete-topics.js'
import { describeAclsRequest, describeAclsResponse } from './describe-acls.js'
import { describeClientQuotasRequest, describeClientQuotasResponse } from './describe-client-quotas.js'
import { describeClusterRequest, describeClusterResponse } from './describe-cluster.js'
import { describeConfigsRequest, describeConfigsResponse } from './describe-configs.js'
import { describeUserScramCredentialsRequest, describeUserScramCredentialsResponse } from './describe-user-scram-credentials.js'
import { describeGroupsRequest, describeGroupsResponse } from './describe-groups.js'
import { describeProducersRequest, describeProducersResponse } from './describe-producers.js'
import { describeShareGroupOffsetsRequest, describeShareGroupOffsetsResponse } from './describe-share-group-offsets.js'
import { describeTopicPartitionsRequest, describeTopicPartitionsResponse } from './describe-topic-partitions.js'
import { describeTransactionsRequest, describeTransactionsResponse } from './describe-transactions.js'
import { endTxnRequest, endTxnResponse } from './end-txn.js'
import { fetchRequest, fetchResponse } from './fetch.js'
import { findCoordinatorRequest, findCoordinatorResponse } from './find-coordinator.js'
import { heartbeatRequest, heartbeatResponse } from './heartbeat.js'
import { incrementalAlterConfigsRequest, incrementalAlterConfigsResponse } from './incremental-alter-configs.js'
import { initProducerIdRequest, initProducerIdResponse } from './init-producer-id.js'
import { joinGroupRequest, joinGroupResponse } from './join-group.js'
import { leaveGroupRequest, leaveGroupResponse } from './leave-group.js'
import { listGroupsRequest, listGroupsResponse } from './list-groups.js'
import { listConfigResourcesRequest, listConfigResourcesResponse } from './list-config-resources.js'
import { listOffsetsRequest, listOffsetsResponse } from './list-offsets.js'
import { listPartitionReassignmentsRequest, listPartitionReassignmentsResponse } from './list-partition-reassignments.js'
import { listTransactionsRequest, listTransactionsResponse } from './list-transactions.js'
import { metadataRequest, metadataResponse } from './metadata.js'
import { offsetCommitRequest, offsetCommitResponse } from './offset-commit.js'
import { offsetDeleteRequest, offsetDeleteResponse } from './offset-delete.js'
import { offsetFetchRequest, offsetFetchResponse } from './offset-fetch.js'
import { offsetForLeaderEpochRequest, offsetForLeaderEpochResponse } from './offset-for-leader-epoch.js'
import { produceRequest, produceResponse } from './produce.js'
import { saslAuthenticateRequest, saslAuthenticateResponse } from './sasl-authenticate.js'
import { saslHandshakeRequest, saslHandshakeResponse } from './sasl-handshake.js'
import { shareAcknowledgeRequest, shareAcknowledgeResponse } from './share-acknowledge.js'
import { shareFetchRequest, shareFetchResponse } from './share-fetch.js'
import { shareGroupDescribeRequest, shareGroupDescribeResponse } from './share-group-describe.js'
import { shareGroupHeartbeatRequest, shareGroupHeartbeatResponse } from './share-group-heartbeat.js'
import { syncGroupRequest, syncGroupResponse } from './sync-group.js'
import { txnOffsetCommitRequest, txnOffsetCommitResponse } from './txn-offset-commit.js'
import { writeTxnMarkersRequest, writeTxnMarkersResponse } from './write-txn-markers.js'
import { initializeShareGroupStateRequest, initializeShareGroupStateResponse } from './initialize-share-group-state.js'
import { readShareGroupStateRequest, readShareGroupStateResponse } from './read-share-group-state.js'
import { writeShareGroupStateRequest, writeShareGroupStateResponse } from './write-share-group-state.js'
import { deleteShareGroupStateRequest, deleteShareGroupStateResponse } from './delete-share-group-state.js'
import { readShareGroupStateSummaryRequest, readShareGroupStateSummaryResponse } from './read-share-group-state-summary.js'

export interface ApiDefinition<Request extends MessageSchema = MessageSchema, Response extends MessageSchema = MessageSchema> {
  readonly apiKey: number
  /** Kafka's name of the API ("Produce"). */
  readonly name: string
  readonly request: Request
  readonly response: Response
  readonly minVersion: number
  readonly maxVersion: number
  /** The first flexible version, or null when no version is flexible. */
  readonly flexibleVersion: number | null
}

function api<Request extends MessageSchema, Response extends MessageSchema>(
  name: string,
  request: Request,
  response: Response,
): ApiDefinition<Request, Response> {
  if (
    request.apiKey !== response.apiKey ||
    request.minVersion !== response.minVersion ||
    request.maxVersion !== response.maxVersion ||
    request.flexibleVersion !== response.flexibleVersion
  ) {
    throw new Error(`${name}: request and response descriptions disagree on key, versions or flexible versions`)
  }
  return Object.freeze({
    apiKey: request.apiKey,
    name,
    request,
    response,
    minVersion: request.minVersion,
    maxVersion: request.maxVersion,
    flexibleVersion: request.flexibleVersion,
  })
}

/** Every API Samsa describes, by API key. */
export const apis = {
  [ApiKeys.Produce]: api('Produce', produceRequest, produceResponse),
  [ApiKeys.Fetch]: api('Fetch', fetchRequest, fetchResponse),
  [ApiKeys.ListOffsets]: api('ListOffsets', listOffsetsRequest, listOffsetsResponse),
  [ApiKeys.Metadata]: api('Metadata', metadataRequest, metadataResponse),
  [ApiKeys.OffsetCommit]: api('OffsetCommit', offsetCommitRequest, offsetCommitResponse),
  [ApiKeys.OffsetFetch]: api('OffsetFetch', offsetFetchRequest, offsetFetchResponse),
  [ApiKeys.FindCoordinator]: api('FindCoordinator', findCoordinatorRequest, findCoordinatorResponse),
  [ApiKeys.JoinGroup]: api('JoinGroup', joinGroupRequest, joinGroupResponse),
  [ApiKeys.Heartbeat]: api('Heartbeat', heartbeatRequest, heartbeatResponse),
  [ApiKeys.LeaveGroup]: api('LeaveGroup', leaveGroupRequest, leaveGroupResponse),
  [ApiKeys.SyncGroup]: api('SyncGroup', syncGroupRequest, syncGroupResponse),
  [ApiKeys.DescribeGroups]: api('DescribeGroups', describeGroupsRequest, describeGroupsResponse),
  [ApiKeys.ListGroups]: api('ListGroups', listGroupsRequest, listGroupsResponse),
  [ApiKeys.ListConfigResources]: api('ListConfigResources', listConfigResourcesRequest, listConfigResourcesResponse),
  [ApiKeys.SaslHandshake]: api('SaslHandshake', saslHandshakeRequest, saslHandshakeResponse),
  [ApiKeys.ApiVersions]: api('ApiVersions', apiVersionsRequest, apiVersionsResponse),
  [ApiKeys.CreateTopics]: api('CreateTopics', createTopicsRequest, createTopicsResponse),
  [ApiKeys.DeleteTopics]: api('DeleteTopics', deleteTopicsRequest, deleteTopicsResponse),
  [ApiKeys.DeleteRecords]: api('DeleteRecords', deleteRecordsRequest, deleteRecordsResponse),
  [ApiKeys.InitProducerId]: api('InitProducerId', initProducerIdRequest, initProducerIdResponse),
  [ApiKeys.AddPartitionsToTxn]: api('AddPartitionsToTxn', addPartitionsToTxnRequest, addPartitionsToTxnResponse),
  [ApiKeys.AddOffsetsToTxn]: api('AddOffsetsToTxn', addOffsetsToTxnRequest, addOffsetsToTxnResponse),
  [ApiKeys.EndTxn]: api('EndTxn', endTxnRequest, endTxnResponse),
  [ApiKeys.DescribeTransactions]: api('DescribeTransactions', describeTransactionsRequest, describeTransactionsResponse),
  [ApiKeys.ListTransactions]: api('ListTransactions', listTransactionsRequest, listTransactionsResponse),
  [ApiKeys.OffsetForLeaderEpoch]: api('OffsetForLeaderEpoch', offsetForLeaderEpochRequest, offsetForLeaderEpochResponse),
  [ApiKeys.WriteTxnMarkers]: api('WriteTxnMarkers', writeTxnMarkersRequest, writeTxnMarkersResponse),
  [ApiKeys.TxnOffsetCommit]: api('TxnOffsetCommit', txnOffsetCommitRequest, txnOffsetCommitResponse),
  [ApiKeys.DescribeAcls]: api('DescribeAcls', describeAclsRequest, describeAclsResponse),
  [ApiKeys.CreateAcls]: api('CreateAcls', createAclsRequest, createAclsResponse),
  [ApiKeys.DeleteAcls]: api('DeleteAcls', deleteAclsRequest, deleteAclsResponse),
  [ApiKeys.DescribeConfigs]: api('DescribeConfigs', describeConfigsRequest, describeConfigsResponse),
  [ApiKeys.AlterConfigs]: api('AlterConfigs', alterConfigsRequest, alterConfigsResponse),
  [ApiKeys.CreatePartitions]: api('CreatePartitions', createPartitionsRequest, createPartitionsResponse),
  [ApiKeys.DeleteGroups]: api('DeleteGroups', deleteGroupsRequest, deleteGroupsResponse),
  [ApiKeys.IncrementalAlterConfigs]: api(
    'IncrementalAlterConfigs',
    incrementalAlterConfigsRequest,
    incrementalAlterConfigsResponse,
  ),
  [ApiKeys.AlterPartitionReassignments]: api(
    'AlterPartitionReassignments',
    alterPartitionReassignmentsRequest,
    alterPartitionReassignmentsResponse,
  ),
  [ApiKeys.ListPartitionReassignments]: api(
    'ListPartitionReassignments',
    listPartitionReassignmentsRequest,
    listPartitionReassignmentsResponse,
  ),
  [ApiKeys.OffsetDelete]: api('OffsetDelete', offsetDeleteRequest, offsetDeleteResponse),
  [ApiKeys.DescribeClientQuotas]: api('DescribeClientQuotas', describeClientQuotasRequest, describeClientQuotasResponse),
  [ApiKeys.AlterClientQuotas]: api('AlterClientQuotas', alterClientQuotasRequest, alterClientQuotasResponse),
  [ApiKeys.DescribeCluster]: api('DescribeCluster', describeClusterRequest, describeClusterResponse),
  [ApiKeys.ElectLeaders]: api('ElectLeaders', electLeadersRequest, electLeadersResponse),
  [ApiKeys.DescribeProducers]: api('DescribeProducers', describeProducersRequest, describeProducersResponse),
  [ApiKeys.SaslAuthenticate]: api('SaslAuthenticate', saslAuthenticateRequest, saslAuthenticateResponse),
  [ApiKeys.DescribeUserScramCredentials]: api(
    'DescribeUserScramCredentials',
    describeUserScramCredentialsRequest,
    describeUserScramCredentialsResponse,
  ),
  [ApiKeys.AlterUserScramCredentials]: api(
    'AlterUserScramCredentials',
    alterUserScramCredentialsRequest,
    alterUserScramCredentialsResponse,
  ),
  [ApiKeys.ConsumerGroupHeartbeat]: api('ConsumerGroupHeartbeat', consumerGroupHeartbeatRequest, consumerGroupHeartbeatResponse),
  [ApiKeys.ConsumerGroupDescribe]: api('ConsumerGroupDescribe', consumerGroupDescribeRequest, consumerGroupDescribeResponse),
  [ApiKeys.DescribeTopicPartitions]: api(
    'DescribeTopicPartitions',
    describeTopicPartitionsRequest,
    describeTopicPartitionsResponse,
  ),
  [ApiKeys.ShareGroupHeartbeat]: api('ShareGroupHeartbeat', shareGroupHeartbeatRequest, shareGroupHeartbeatResponse),
  [ApiKeys.ShareGroupDescribe]: api('ShareGroupDescribe', shareGroupDescribeRequest, shareGroupDescribeResponse),
  [ApiKeys.ShareFetch]: api('ShareFetch', shareFetchRequest, shareFetchResponse),
  [ApiKeys.ShareAcknowledge]: api('ShareAcknowledge', shareAcknowledgeRequest, shareAcknowledgeResponse),
  [ApiKeys.InitializeShareGroupState]: api('InitializeShareGroupState', initializeShareGroupStateRequest, initializeShareGroupStateResponse),
  [ApiKeys.ReadShareGroupState]: api('ReadShareGroupState', readShareGroupStateRequest, readShareGroupStateResponse),
  [ApiKeys.WriteShareGroupState]: api('WriteShareGroupState', writeShareGroupStateRequest, writeShareGroupStateResponse),
  [ApiKeys.DeleteShareGroupState]: api('DeleteShareGroupState', deleteShareGroupStateRequest, deleteShareGroupStateResponse),
  [ApiKeys.ReadShareGroupStateSummary]: api('ReadShareGroupStateSummary', readShareGroupStateSummaryRequest, readShareGroupStateSummaryResponse),
  [ApiKeys.DescribeShareGroupOffsets]: api('DescribeShareGroupOffsets', describeShareGroupOffsetsRequest, describeShareGroupOffsetsResponse),
  [ApiKeys.AlterShareGroupOffsets]: api('AlterShareGroupOffsets', alterShareGroupOffsetsRequest, alterShareGroupOffsetsResponse),
  [ApiKeys.DeleteShareGroupOffsets]: api('DeleteShareGroupOffsets', deleteShareGroupOffsetsRequest, deleteShareGroupOffsetsResponse),
} as const

/** API keys that have descriptions here. */
export type DescribedApiKey = keyof typeof apis
export type RequestOf<K extends DescribedApiKey> = MessageType<(typeof apis)[K]['request']>
export type RequestInputOf<K extends DescribedApiKey> = MessageInput<(typeof apis)[K]['request']>
export type ResponseOf<K extends DescribedApiKey> = MessageType<(typeof apis)[K]['response']>
export type ResponseInputOf<K extends DescribedApiKey> = MessageInput<(typeof apis)[K]['response']>

const byKey: Array<ApiDefinition | undefined> = []
for (const definition of Object.values(apis) as ApiDefinition[]) byKey[definition.apiKey] = definition

/** The description of `apiKey`, or undefined when Samsa has none. */
export function getApi(apiKey: number): ApiDefinition | undefined {
  return byKey[apiKey]
}

/** All described APIs, by ascending key. */
export function allApis(): ApiDefinition[] {
  return byKey.filter((definition): definition is ApiDefinition => definition !== undefined)
}
