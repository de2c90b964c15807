/**
 * AlterPartitionReassignments and ListPartitionReassignments on a single broker, which is every
 * partition's only replica and its own controller: a target of just itself changes nothing, any
 * other target is INVALID_REPLICA_ASSIGNMENT, there is never a reassignment to cancel or list,
 * and unknown partitions are UNKNOWN_TOPIC_OR_PARTITION. (Cluster behaviour:
 * test/integration/cluster-reassign.test.ts.)
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { ApiKeys, KafkaErrorCodes as E } from '../../../../src/protocol/index.js'
import { type InProcessBroker, startInProcessBroker } from '../../../helpers/in-process-broker.js'

const NODE_ID = 5
let fixture: InProcessBroker

beforeAll(async () => {
  fixture = await startInProcessBroker({ 'node.id': NODE_ID, 'num.partitions': 2 })
  await fixture.createTopics('solo')
})

afterAll(async () => {
  await fixture?.stop()
})

it('accepts a target of the broker itself, refuses any other, and has nothing to cancel', async () => {
  const response = await fixture.client.request(ApiKeys.AlterPartitionReassignments, 0, {
    timeoutMs: 1000,
    topics: [
      {
        name: 'solo',
        partitions: [
          { partitionIndex: 0, replicas: [NODE_ID] },
          { partitionIndex: 1, replicas: [NODE_ID, 6] },
          { partitionIndex: 1, replicas: [NODE_ID, NODE_ID] },
          { partitionIndex: 1, replicas: [] },
          { partitionIndex: 0, replicas: null },
          { partitionIndex: 2, replicas: [NODE_ID] },
        ],
      },
      { name: 'missing', partitions: [{ partitionIndex: 0, replicas: [NODE_ID] }] },
    ],
  })
  expect(response.errorCode).toBe(E.NONE)
  expect(response.responses.map((t) => [t.name, t.partitions.map((p) => p.errorCode)])).toEqual([
    ['solo', [E.NONE, E.INVALID_REPLICA_ASSIGNMENT, E.INVALID_REPLICA_ASSIGNMENT, E.INVALID_REPLICA_ASSIGNMENT, E.NO_REASSIGNMENT_IN_PROGRESS, E.UNKNOWN_TOPIC_OR_PARTITION]],
    ['missing', [E.UNKNOWN_TOPIC_OR_PARTITION]],
  ])
  expect(response.responses[0]!.partitions[1]!.errorMessage).toMatch(/not registered: 6/)
})

it('lists no reassignments, for all partitions or named ones', async () => {
  for (const topics of [null, [{ name: 'solo', partitionIndexes: [0, 1] }]]) {
    const response = await fixture.client.request(ApiKeys.ListPartitionReassignments, 0, { timeoutMs: 1000, topics })
    expect(response).toMatchObject({ errorCode: E.NONE, topics: [] })
  }
})
