/**
 * The share coordinator's five APIs over the wire against an in-process broker (which leads
 * every __share_group_state partition): FindCoordinator SHARE, a leader's read and writes,
 * fencing by leader and state epoch, the admin's summary, initialize and delete; and the
 * CLUSTER_ACTION they need, as Kafka asks, where an authorizer is on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiKeys, KafkaErrorCodes as E } from '../../../../src/protocol/index.js'
import { type InProcessBroker, startInProcessBroker } from '../../../helpers/in-process-broker.js'

const GROUP = 'state-group'
const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ'
const ACKNOWLEDGED = 2
const AVAILABLE = 0
let fixture: InProcessBroker
let secured: InProcessBroker

const partitions = <T>(p: T) => ({ groupId: GROUP, topics: [{ topicId: TOPIC_ID, partitions: [p] }] })

async function write(leaderEpoch: number, stateEpoch: number, startOffset: number, batches: Array<[number, number, number, number]>, broker = fixture) {
  const response = await broker.client.request(ApiKeys.WriteShareGroupState, 0, partitions({
    partition: 0,
    stateEpoch,
    leaderEpoch,
    startOffset: BigInt(startOffset),
    stateBatches: batches.map(([first, last, deliveryState, deliveryCount]) => ({ firstOffset: BigInt(first), lastOffset: BigInt(last), deliveryState, deliveryCount })),
  }))
  return response.results[0]!.partitions[0]!
}

async function read(leaderEpoch: number) {
  const response = await fixture.client.request(ApiKeys.ReadShareGroupState, 0, partitions({ partition: 0, leaderEpoch }))
  return response.results[0]!.partitions[0]!
}

async function summary() {
  const response = await fixture.client.request(ApiKeys.ReadShareGroupStateSummary, 0, partitions({ partition: 0, leaderEpoch: -1 }))
  return response.results[0]!.partitions[0]!
}

beforeAll(async () => {
  fixture = await startInProcessBroker({ 'share.coordinator.state.topic.num.partitions': 3 })
  secured = await startInProcessBroker({ 'share.coordinator.state.topic.num.partitions': 3, 'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer' })
})

afterAll(async () => {
  await fixture?.stop()
  await secured?.stop()
})

describe('share-group state APIs', () => {
  it('FindCoordinator SHARE names the leader of the key\'s __share_group_state partition, and refuses a malformed key', async () => {
    const found = await fixture.client.request(ApiKeys.FindCoordinator, 6, { keyType: 2, coordinatorKeys: [`${GROUP}:${TOPIC_ID}:0`, 'no-topic-or-partition'] })
    expect(found.coordinators[0]).toMatchObject({ errorCode: E.NONE, nodeId: fixture.broker.config.nodeId })
    expect(found.coordinators[1]!.errorCode).toBe(E.INVALID_REQUEST)
    expect(fixture.broker.context.metadata.topic('__share_group_state')?.partitions).toBe(3)
  })

  it('reads back what a leader wrote, and fences a leader older than one that has read', async () => {
    expect(await read(1)).toMatchObject({ errorCode: E.NONE, stateEpoch: 0, startOffset: -1n, stateBatches: [] })
    expect((await write(1, 0, 10, [[10, 14, ACKNOWLEDGED, 1], [15, 19, AVAILABLE, 2]])).errorCode).toBe(E.NONE)
    // 10-14 accepted: the leader moves the start offset past them and writes the rest.
    expect((await write(1, 0, 15, [[15, 19, AVAILABLE, 2]])).errorCode).toBe(E.NONE)
    const state = await read(2)
    expect(state).toMatchObject({ errorCode: E.NONE, stateEpoch: 0, startOffset: 15n })
    expect(state.stateBatches).toEqual([{ firstOffset: 15n, lastOffset: 19n, deliveryState: AVAILABLE, deliveryCount: 2 }])
    // The leader at epoch 2 has read: the one at epoch 1 writes nothing more.
    expect((await write(1, 0, 20, [])).errorCode).toBe(E.FENCED_LEADER_EPOCH)
    expect((await read(1)).errorCode).toBe(E.FENCED_LEADER_EPOCH)
    expect((await summary()).startOffset).toBe(15n)
  })

  it('initializes afresh at a newer state epoch only, which fences writes of the old one; delete forgets', async () => {
    const before = await summary()
    const initialize = (stateEpoch: number, startOffset: number) =>
      fixture.client.request(ApiKeys.InitializeShareGroupState, 0, partitions({ partition: 0, stateEpoch, startOffset: BigInt(startOffset) })).then((r) => r.results[0]!.partitions[0]!)
    expect((await initialize(before.stateEpoch, 100)).errorCode).toBe(E.FENCED_STATE_EPOCH)
    expect((await initialize(before.stateEpoch + 1, 100)).errorCode).toBe(E.NONE)
    expect(await summary()).toMatchObject({ errorCode: E.NONE, stateEpoch: before.stateEpoch + 1, startOffset: 100n })
    expect((await write(2, before.stateEpoch, 16, [])).errorCode).toBe(E.FENCED_STATE_EPOCH)

    const deleted = await fixture.client.request(ApiKeys.DeleteShareGroupState, 0, partitions({ partition: 0 }))
    expect(deleted.results[0]!.partitions[0]!.errorCode).toBe(E.NONE)
    expect(await summary()).toMatchObject({ errorCode: E.NONE, startOffset: -1n })
  })

  it('refuses a client without CLUSTER_ACTION, changing nothing', async () => {
    const refused = await write(1, 0, 5, [[5, 9, AVAILABLE, 1]], secured)
    expect(refused.errorCode).toBe(E.CLUSTER_AUTHORIZATION_FAILED)
    const found = await secured.client.request(ApiKeys.FindCoordinator, 6, { keyType: 2, coordinatorKeys: [`${GROUP}:${TOPIC_ID}:0`] })
    expect(found.coordinators[0]!.errorCode).toBe(E.CLUSTER_AUTHORIZATION_FAILED)
    expect(secured.broker.context.metadata.topic('__share_group_state')).toBeUndefined()
  })
})
