/**
 * Share groups (KIP-932) over the wire, request by request against a real broker: what
 * ApiVersions advertises, a member joining, records acquired and acknowledged through a share
 * session, and the refusals (wrong session epoch, no session, no member id, records not held),
 * each of which changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiKeys } from '../../src/protocol/api-keys.js'
import { KafkaErrorCodes as E } from '../../src/protocol/error-codes.js'
import { type BrokerProcess, startBroker } from '../helpers/broker-process.js'
import { kcat } from '../helpers/clients.js'
import { type RawConnection, connectRaw, ensureTopic } from '../helpers/group-admin.js'
import { type AcknowledgementBatch, shareFetchBody } from '../helpers/share-wire.js'

const TOPIC = 'share-wire'
const GROUP = 'share-wire-group'
let broker: BrokerProcess
let c: RawConnection

beforeAll(async () => {
  broker = await startBroker({ settings: { 'num.partitions': 1 } })
  await ensureTopic(broker.bootstrap, TOPIC)
  c = await connectRaw(broker.bootstrap, 'share-wire')
})

afterAll(async () => {
  c?.close()
  await broker?.stop()
})

const fetchBody = (memberId: string, shareSessionEpoch: number, topicId: string, acks: AcknowledgementBatch[] = []) => shareFetchBody(GROUP, memberId, shareSessionEpoch, [{ topicId, acks }])

describe('share groups over the wire', () => {
  it('advertises the share-group APIs and share.version 1', async () => {
    const versions = await c.request(ApiKeys.ApiVersions, 4, { clientSoftwareName: 'share-wire', clientSoftwareVersion: '1' })
    const advertised = new Map(versions.apiKeys.map((k) => [k.apiKey, [k.minVersion, k.maxVersion]]))
    for (const key of [ApiKeys.ShareGroupHeartbeat, ApiKeys.ShareGroupDescribe, ApiKeys.ShareFetch, ApiKeys.ShareAcknowledge]) expect(advertised.get(key)).toEqual([1, 1])
    for (const key of [ApiKeys.DescribeShareGroupOffsets, ApiKeys.AlterShareGroupOffsets, ApiKeys.DeleteShareGroupOffsets]) expect(advertised.get(key)).toEqual([0, 0])
    expect(versions.finalizedFeatures).toContainEqual({ name: 'share.version', minVersionLevel: 1, maxVersionLevel: 1 })
  })

  it('a member joins, acquires records, and acknowledges them in its share session; refusals change nothing', async () => {
    const joined = await c.request(ApiKeys.ShareGroupHeartbeat, 1, { groupId: GROUP, memberId: 'member-a', memberEpoch: 0, rackId: null, subscribedTopicNames: [TOPIC] })
    expect(joined.errorCode).toBe(E.NONE)
    expect(joined.memberEpoch).toBe(1)
    const topicId = joined.assignment!.topicPartitions[0]!.topicId
    expect(joined.assignment!.topicPartitions[0]!.partitions).toEqual([0])

    // Epoch 0 opens the session; the share-partition starts at the (empty) log's end.
    const opened = await c.request(ApiKeys.ShareFetch, 1, fetchBody('member-a', 0, topicId))
    expect(opened.errorCode).toBe(E.NONE)
    await kcat(['-b', broker.bootstrap, '-P', '-t', TOPIC, '-p', '0'], 'one\ntwo\nthree\n')

    const fetched = await c.request(ApiKeys.ShareFetch, 1, fetchBody('member-a', 1, topicId))
    expect(fetched.errorCode).toBe(E.NONE)
    expect(fetched.acquisitionLockTimeoutMs).toBe(30000)
    const partition = fetched.responses[0]!.partitions[0]!
    expect(partition.acquiredRecords).toEqual([{ firstOffset: 0n, lastOffset: 2n, deliveryCount: 1 }])
    expect((partition.records as Buffer).byteLength).toBeGreaterThan(0)

    // Refused, each changing nothing: a stale epoch, a session-opening acknowledgement, no
    // session at all, no member id.
    expect((await c.request(ApiKeys.ShareFetch, 1, fetchBody('member-a', 7, topicId))).errorCode).toBe(E.INVALID_SHARE_SESSION_EPOCH)
    const ackOpening = await c.request(ApiKeys.ShareAcknowledge, 1, { groupId: GROUP, memberId: 'member-a', shareSessionEpoch: 0, topics: [] })
    expect(ackOpening.errorCode).toBe(E.INVALID_SHARE_SESSION_EPOCH)
    expect((await c.request(ApiKeys.ShareFetch, 1, fetchBody('member-b', 3, topicId))).errorCode).toBe(E.SHARE_SESSION_NOT_FOUND)
    expect((await c.request(ApiKeys.ShareFetch, 1, fetchBody('', 0, topicId))).errorCode).toBe(E.INVALID_REQUEST)

    // Another member cannot acknowledge member-a's records.
    await c.request(ApiKeys.ShareFetch, 1, fetchBody('member-b', 0, topicId))
    const stolen = await c.request(ApiKeys.ShareAcknowledge, 1, {
      groupId: GROUP,
      memberId: 'member-b',
      shareSessionEpoch: 1,
      topics: [{ topicId, partitions: [{ partitionIndex: 0, acknowledgementBatches: [{ firstOffset: 0n, lastOffset: 2n, acknowledgeTypes: [1] }] }] }],
    })
    expect(stolen.responses[0]!.partitions[0]!.errorCode).toBe(E.INVALID_RECORD_STATE)

    // member-a accepts them (piggybacked on its next fetch, epoch 2): the start offset moves past.
    const acked = await c.request(ApiKeys.ShareFetch, 1, fetchBody('member-a', 2, topicId, [{ firstOffset: 0n, lastOffset: 2n, acknowledgeTypes: [1] }]))
    expect(acked.responses[0]!.partitions[0]!.acknowledgeErrorCode).toBe(E.NONE)
    const offsets = await c.request(ApiKeys.DescribeShareGroupOffsets, 0, { groups: [{ groupId: GROUP, topics: [{ topicName: TOPIC, partitions: [0] }] }] })
    expect(offsets.groups[0]!.topics[0]!.partitions[0]!.startOffset).toBe(3n)

    const described = await c.request(ApiKeys.ShareGroupDescribe, 1, { groupIds: [GROUP], includeAuthorizedOperations: false })
    expect(described.groups[0]!.groupState).toBe('Stable')
    expect(described.groups[0]!.members.map((m) => m.memberId)).toEqual(['member-a'])
    const listed = await c.request(ApiKeys.ListGroups, 5, { statesFilter: [], typesFilter: ['share'] })
    expect(listed.groups.map((g) => [g.groupId, g.groupType])).toEqual([[GROUP, 'share']])
  })
})
