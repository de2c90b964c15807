import { expect, test } from 'vitest'
import { ApiKeys, apiKeyName } from '../../../../src/protocol/api-keys.js'
import { allApis, apis, getApi } from '../../../../src/protocol/messages/index.js'

const served: Array<[number, number, number, number | null]> = [
  [ApiKeys.ApiVersions, 0, 4, 3],
  [ApiKeys.Metadata, 0, 12, 9],
  [ApiKeys.Produce, 0, 11, 9],
  [ApiKeys.Fetch, 0, 16, 12],
  [ApiKeys.ListOffsets, 0, 9, 6],
  [ApiKeys.OffsetForLeaderEpoch, 0, 4, 4],
  [ApiKeys.CreateTopics, 0, 7, 5],
  [ApiKeys.DeleteTopics, 0, 6, 4],
  [ApiKeys.CreatePartitions, 0, 3, 2],
  [ApiKeys.DescribeConfigs, 0, 4, 4],
  [ApiKeys.AlterConfigs, 0, 2, 2],
  [ApiKeys.IncrementalAlterConfigs, 0, 1, 1],
  [ApiKeys.DescribeCluster, 0, 1, 0],
  [ApiKeys.ElectLeaders, 0, 2, 2],
  [ApiKeys.AlterPartitionReassignments, 0, 0, 0],
  [ApiKeys.ListPartitionReassignments, 0, 0, 0],
  [ApiKeys.DeleteRecords, 0, 2, 2],
  [ApiKeys.InitProducerId, 0, 5, 2],
  [ApiKeys.AddPartitionsToTxn, 0, 5, 3],
  [ApiKeys.AddOffsetsToTxn, 0, 4, 3],
  [ApiKeys.EndTxn, 0, 4, 3],
  [ApiKeys.DescribeTransactions, 0, 0, 0],
  [ApiKeys.ListTransactions, 0, 1, 0],
  [ApiKeys.WriteTxnMarkers, 0, 1, 1],
  [ApiKeys.DescribeProducers, 0, 0, 0],
  [ApiKeys.DescribeTopicPartitions, 0, 0, 0],
  [ApiKeys.ListConfigResources, 0, 1, 0],
  [ApiKeys.FindCoordinator, 0, 6, 3],
  [ApiKeys.JoinGroup, 0, 9, 6],
  [ApiKeys.SyncGroup, 0, 5, 4],
  [ApiKeys.Heartbeat, 0, 4, 4],
  [ApiKeys.LeaveGroup, 0, 5, 4],
  [ApiKeys.OffsetCommit, 0, 9, 8],
  [ApiKeys.OffsetFetch, 0, 9, 6],
  [ApiKeys.TxnOffsetCommit, 0, 4, 3],
  [ApiKeys.ListGroups, 0, 5, 3],
  [ApiKeys.DescribeGroups, 0, 6, 5],
  [ApiKeys.DeleteGroups, 0, 2, 2],
  [ApiKeys.OffsetDelete, 0, 0, null],
  [ApiKeys.SaslHandshake, 0, 1, null],
  [ApiKeys.DescribeAcls, 0, 3, 2],
  [ApiKeys.CreateAcls, 0, 3, 2],
  [ApiKeys.DeleteAcls, 0, 3, 2],
  [ApiKeys.DescribeClientQuotas, 0, 1, 1],
  [ApiKeys.AlterClientQuotas, 0, 1, 1],
  [ApiKeys.SaslAuthenticate, 0, 2, 2],
  [ApiKeys.DescribeUserScramCredentials, 0, 0, 0],
  [ApiKeys.AlterUserScramCredentials, 0, 0, 0],
  [ApiKeys.ConsumerGroupHeartbeat, 0, 1, 0],
  [ApiKeys.ConsumerGroupDescribe, 0, 1, 0],
  [ApiKeys.ShareGroupHeartbeat, 1, 1, 0],
  [ApiKeys.ShareGroupDescribe, 1, 1, 0],
  [ApiKeys.ShareFetch, 1, 1, 0],
  [ApiKeys.ShareAcknowledge, 1, 1, 0],
  [ApiKeys.InitializeShareGroupState, 0, 0, 0],
  [ApiKeys.ReadShareGroupState, 0, 0, 0],
  [ApiKeys.WriteShareGroupState, 0, 0, 0],
  [ApiKeys.DeleteShareGroupState, 0, 0, 0],
  [ApiKeys.ReadShareGroupStateSummary, 0, 0, 0],
  [ApiKeys.DescribeShareGroupOffsets, 0, 0, 0],
  [ApiKeys.AlterShareGroupOffsets, 0, 0, 0],
  [ApiKeys.DeleteShareGroupOffsets, 0, 0, 0],
]

test.each(served)('API %i covers versions %i-%i, flexible from %s', (apiKey, min, max, flexible) => {
  const api = getApi(apiKey)!
  expect(api).toMatchObject({ apiKey, name: apiKeyName(apiKey), minVersion: min, maxVersion: max, flexibleVersion: flexible })
  expect(api.request.apiKey).toBe(apiKey)
  expect(api.response.apiKey).toBe(apiKey)
})

test('the table holds exactly the served APIs, in key order', () => {
  expect(allApis().map((api) => api.apiKey)).toEqual(served.map(([key]) => key).sort((a, b) => a - b))
  expect(Object.keys(apis)).toHaveLength(served.length)
  expect(getApi(ApiKeys.DescribeDelegationToken)).toBeUndefined()
})
