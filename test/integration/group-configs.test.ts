/**
 * Group configs (KIP-848/KIP-932) against one real broker: Kafka 4.1's kafka-configs sets and
 * describes them (--entity-type groups) and shows the broker's refusal of a bad value; the
 * coordinators apply them (a share group set to share.auto.offset.reset=earliest starts at the
 * log start where one without starts at the end; one set to by_duration:PT1H starts at the first
 * record whose CreateTime is within the hour, one with no record that recent at the end; a consumer group's consumer.session.timeout.ms
 * expires a silent member long before the broker's 45 s; share.delivery.count.limit archives a
 * record released that many times); DeleteGroups removes a deleted
 * group's configs; and the configs survive a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiKeys } from '../../src/protocol/api-keys.js'
import { encodeRecordBatch } from '../../src/protocol/index.js'
import { KafkaErrorCodes as E } from '../../src/protocol/error-codes.js'
import { type BrokerProcess, startBroker } from '../helpers/broker-process.js'
import { kcat } from '../helpers/clients.js'
import { type RawConnection, connectRaw, ensureTopic } from '../helpers/group-admin.js'
import { KafkaTools, ensureKafkaTools4, kafkaTool4 } from '../helpers/kafka-tools.js'
import { shareFetchBody, shareHeartbeat } from '../helpers/share-wire.js'

const TOPIC = 'group-configs'
const GROUP_TYPE = 32
const SET = 0
const RELEASE = 2
const EARLIEST_GROUP = 'share-from-earliest'
const LATEST_GROUP = 'share-from-latest'
let broker: BrokerProcess
let c: RawConnection

// The broker's bounds are lowered so that a group may ask for a 2 s session and a 5 s record lock
// (Kafka's bounds start at 45 s and 15 s); the broker's own settings stay at Kafka's defaults.
const SETTINGS = {
  'num.partitions': 1,
  'group.consumer.min.session.timeout.ms': 1000,
  'group.consumer.min.heartbeat.interval.ms': 100,
  'group.share.min.record.lock.duration.ms': 1000,
}

beforeAll(async () => {
  await ensureKafkaTools4()
  broker = await startBroker({ settings: SETTINGS })
  await ensureTopic(broker.bootstrap, TOPIC)
  c = await connectRaw(broker.bootstrap, 'group-configs')
}, 300_000)

afterAll(async () => {
  c?.close()
  await broker?.stop()
})

const configs = (...args: string[]) => kafkaTool4(KafkaTools.configs, '--bootstrap-server', broker.bootstrap, '--entity-type', 'groups', ...args)

function alterGroup(groupId: string, settings: Record<string, string>, validateOnly = false) {
  return c.request(ApiKeys.IncrementalAlterConfigs, 1, {
    resources: [{ resourceType: GROUP_TYPE, resourceName: groupId, configs: Object.entries(settings).map(([name, value]) => ({ name, configOperation: SET, value })) }],
    validateOnly,
  })
}

/** The group's overrides, as DescribeConfigs reports them (source DYNAMIC_GROUP_CONFIG). */
async function overridesOf(groupId: string): Promise<Record<string, string | null>> {
  const described = await c.request(ApiKeys.DescribeConfigs, 4, { resources: [{ resourceType: GROUP_TYPE, resourceName: groupId, configurationKeys: null }], includeSynonyms: false, includeDocumentation: false })
  expect(described.results[0]!.errorCode).toBe(E.NONE)
  return Object.fromEntries(described.results[0]!.configs.filter((e) => e.configSource === 8).map((e) => [e.name, e.value]))
}

/** Joins `groupId` as a share member; returns its fetch, which acknowledges the `release` ranges as RELEASE. */
async function shareMember(groupId: string, memberId: string, topic = TOPIC) {
  const joined = await shareHeartbeat(c, groupId, memberId, 0, [topic])
  expect(joined.errorCode).toBe(E.NONE)
  const topicId = joined.assignment!.topicPartitions[0]!.topicId
  let epoch = 0
  return async (maxWaitMs: number, release: ReadonlyArray<{ firstOffset: bigint; lastOffset: bigint }> = []) => {
    const acks = release.map(({ firstOffset, lastOffset }) => ({ firstOffset, lastOffset, acknowledgeTypes: [RELEASE] }))
    const fetched = await c.request(ApiKeys.ShareFetch, 1, { ...shareFetchBody(groupId, memberId, epoch++, [{ topicId, acks }]), maxWaitMs })
    expect(fetched.errorCode).toBe(E.NONE)
    if (release.length > 0) expect(fetched.responses[0]!.partitions[0]!.acknowledgeErrorCode).toBe(E.NONE)
    return { lockMs: fetched.acquisitionLockTimeoutMs, acquired: fetched.responses.flatMap((t) => t.partitions.flatMap((p) => p.acquiredRecords)) }
  }
}

describe('group configs', () => {
  it('kafka-configs 4.1 sets a group config and describes it; a bad value is refused with the reason, changing nothing', async () => {
    const set = await configs('--entity-name', EARLIEST_GROUP, '--alter', '--add-config', 'share.auto.offset.reset=earliest,share.record.lock.duration.ms=5000,share.delivery.count.limit=2')
    expect(set.code, set.stderr).toBe(0)
    expect(set.stdout).toContain(`Completed updating config for group ${EARLIEST_GROUP}.`)

    const refused = await configs('--entity-name', EARLIEST_GROUP, '--alter', '--add-config', 'share.auto.offset.reset=sometimes')
    expect(refused.code).not.toBe(0)
    expect(refused.stdout + refused.stderr).toContain(
      "InvalidConfigurationException: Invalid value 'sometimes' for setting share.auto.offset.reset: the value must be either 'earliest', 'latest' or of the format 'by_duration:<PnDTnHnMn.nS.>'.",
    )

    const described = await configs('--entity-name', EARLIEST_GROUP, '--describe')
    expect(described.code, described.stderr).toBe(0)
    expect(described.stdout).toContain(`Dynamic configs for group ${EARLIEST_GROUP} are:`)
    expect(described.stdout).toContain('share.auto.offset.reset=earliest sensitive=false synonyms={DYNAMIC_GROUP_CONFIG:share.auto.offset.reset=earliest, DEFAULT_CONFIG:share.auto.offset.reset=latest}')
    expect(described.stdout).toContain('share.record.lock.duration.ms=5000 sensitive=false synonyms={DYNAMIC_GROUP_CONFIG:share.record.lock.duration.ms=5000, DEFAULT_CONFIG:group.share.record.lock.duration.ms=30000}')
  }, 120_000)

  it('refuses unknown names, values outside the broker bounds and a session not above its heartbeat; validate_only changes nothing', async () => {
    const refusals = {
      'share.unknown': ['1', 'Unknown group config name: share.unknown.'],
      'consumer.session.timeout.ms': ['500', 'consumer.session.timeout.ms must be greater than or equal to group.consumer.min.session.timeout.ms (1000).'],
      'share.isolation.level': ['read_most', "Invalid value 'read_most' for setting share.isolation.level: must be one of read_uncommitted, read_committed."],
      'share.heartbeat.interval.ms': ['50000', 'share.heartbeat.interval.ms must be less than or equal to group.share.max.heartbeat.interval.ms (15000).'],
    }
    for (const [name, [value, message]] of Object.entries(refusals)) {
      const answer = await alterGroup(EARLIEST_GROUP, { [name]: value! })
      expect(answer.responses[0], name).toMatchObject({ errorCode: E.INVALID_CONFIG, errorMessage: expect.stringContaining(message!) })
    }
    const crossed = await alterGroup('crossed', { 'consumer.session.timeout.ms': '2000', 'consumer.heartbeat.interval.ms': '3000' })
    expect(crossed.responses[0]).toMatchObject({ errorCode: E.INVALID_CONFIG, errorMessage: 'consumer.session.timeout.ms (2000) must be greater than consumer.heartbeat.interval.ms (3000).' })
    const checked = await alterGroup(EARLIEST_GROUP, { 'share.isolation.level': 'read_committed' }, true)
    expect(checked.responses[0]!.errorCode).toBe(E.NONE)
    expect(await overridesOf(EARLIEST_GROUP)).toEqual({ 'share.auto.offset.reset': 'earliest', 'share.record.lock.duration.ms': '5000', 'share.delivery.count.limit': '2' })
    expect(await overridesOf('crossed')).toEqual({})
  })

  it('a share group set to share.auto.offset.reset=earliest starts at the log start, one without at the end', async () => {
    await kcat(['-b', broker.bootstrap, '-P', '-t', TOPIC, '-p', '0'], 'one\ntwo\nthree\n')
    const early = await shareMember(EARLIEST_GROUP, 'early-member')
    const late = await shareMember(LATEST_GROUP, 'late-member')

    // Both sessions opened after the three records were written.
    const earlyOpen = await early(0)
    const earlyFetched = earlyOpen.acquired.length > 0 ? earlyOpen : await early(5000)
    expect(earlyFetched.acquired).toEqual([{ firstOffset: 0n, lastOffset: 2n, deliveryCount: 1 }])
    expect(earlyFetched.lockMs).toBe(5000)
    expect((await late(0)).acquired).toEqual([])
    expect((await late(0)).acquired).toEqual([])

    // The late group is not stuck: it acquires what is written after it started, and only that.
    await kcat(['-b', broker.bootstrap, '-P', '-t', TOPIC, '-p', '0'], 'four\n')
    const lateFetched = await late(5000)
    expect(lateFetched.acquired).toEqual([{ firstOffset: 3n, lastOffset: 3n, deliveryCount: 1 }])
    expect(lateFetched.lockMs).toBe(30000)
  }, 60_000)

  it('a share group set to share.auto.offset.reset=by_duration:PT1H starts at the first record written within the hour', async () => {
    const topic = 'group-configs-by-duration'
    const [HOUR_GROUP, MINUTE_GROUP] = ['share-from-an-hour-ago', 'share-from-a-minute-ago']
    await ensureTopic(broker.bootstrap, topic)
    for (const [group, duration] of [[HOUR_GROUP, 'PT1H'], [MINUTE_GROUP, 'PT1M']] as const) {
      const set = await configs('--entity-name', group, '--alter', '--add-config', `share.auto.offset.reset=by_duration:${duration}`)
      expect(set.code, set.stderr).toBe(0)
    }
    const refused = await configs('--entity-name', HOUR_GROUP, '--alter', '--add-config', 'share.auto.offset.reset=by_duration:-PT1H')
    expect(refused.code).not.toBe(0)
    expect(refused.stdout + refused.stderr).toContain("Invalid value 'by_duration:-PT1H' for setting share.auto.offset.reset: the value must be either")
    expect(await overridesOf(HOUR_GROUP)).toEqual({ 'share.auto.offset.reset': 'by_duration:PT1H' })

    // CreateTime set by the producer: offsets 0-2 three hours old; then in one batch offset 3 two
    // hours old, 4 ten minutes old and 5 five minutes old, so the start is found inside a batch.
    const now = Date.now()
    const minutes = (n: number) => n * 60_000
    const produce = (baseTimestamp: number, deltas: number[]) =>
      c.request(ApiKeys.Produce, 9, {
        transactionalId: null,
        acks: -1,
        timeoutMs: 10_000,
        topicData: [{ name: topic, partitionData: [{ index: 0, records: encodeRecordBatch({ baseTimestamp, records: deltas.map((timestampDelta, i) => ({ value: Buffer.from(`r${i}`), timestampDelta })) }) }] }],
      })
    for (const produced of [await produce(now - minutes(180), [0, 1, 2]), await produce(now - minutes(120), [0, minutes(110), minutes(115)])]) {
      expect(produced.responses[0]!.partitionResponses[0]!.errorCode).toBe(E.NONE)
    }

    const hour = await shareMember(HOUR_GROUP, 'hour-member', topic)
    const hourOpen = await hour(0)
    const hourFetched = hourOpen.acquired.length > 0 ? hourOpen : await hour(5000)
    expect(hourFetched.acquired).toEqual([{ firstOffset: 4n, lastOffset: 5n, deliveryCount: 1 }])

    // No record is within the minute: that group starts at the log end, and takes only what follows.
    const startOffsets = async () => {
      const offsets = await c.request(ApiKeys.DescribeShareGroupOffsets, 0, {
        groups: [HOUR_GROUP, MINUTE_GROUP].map((groupId) => ({ groupId, topics: [{ topicName: topic, partitions: [0] }] })),
      })
      return offsets.groups.map((g) => g.topics[0]!.partitions[0]!.startOffset)
    }
    const minute = await shareMember(MINUTE_GROUP, 'minute-member', topic)
    // The share-partition is created by the first fetch; produce only once its start is stored.
    const deadline = Date.now() + 30_000
    while ((await startOffsets())[1]! < 0n) {
      expect(Date.now(), 'the by_duration:PT1M share-partition was never initialized').toBeLessThan(deadline)
      expect((await minute(0)).acquired).toEqual([])
    }
    expect(await startOffsets()).toEqual([4n, 6n])
    expect((await produce(Date.now(), [0])).responses[0]!.partitionResponses[0]!.errorCode).toBe(E.NONE)
    expect((await minute(5000)).acquired).toEqual([{ firstOffset: 6n, lastOffset: 6n, deliveryCount: 1 }])
  }, 120_000)

  it("a share group's share.delivery.count.limit archives a record released that many times", async () => {
    // share-from-earliest holds offsets 0-2 (delivery 1) from the test before; its limit is 2.
    const early = await shareMember(EARLIEST_GROUP, 'early-member-2')
    // The first member's lock (5 s) may still hold 0-2: fetch until they come back, at delivery 2.
    const deadline = Date.now() + 40_000
    let acquired: Array<{ firstOffset: bigint; lastOffset: bigint; deliveryCount: number }> = []
    while (!acquired.some((r) => r.firstOffset === 0n && r.deliveryCount === 2)) {
      expect(Date.now(), 'offsets 0-2 never came back').toBeLessThan(deadline)
      acquired = (await early(2000)).acquired
    }
    const atLimit = acquired.filter((r) => r.deliveryCount === 2)
    expect(atLimit[0]).toMatchObject({ firstOffset: 0n })
    expect(atLimit[0]!.lastOffset).toBeGreaterThanOrEqual(2n)

    // Released at their second delivery: archived, never delivered again (the broker's limit, 5,
    // would make them available at once, and this fetch would acquire them for a third time).
    const after = await early(1000, acquired)
    const redelivered = after.acquired.filter((r) => atLimit.some((a) => r.firstOffset <= a.lastOffset && r.lastOffset >= a.firstOffset))
    expect(redelivered).toEqual([])
    const offsets = await c.request(ApiKeys.DescribeShareGroupOffsets, 0, { groups: [{ groupId: EARLIEST_GROUP, topics: [{ topicName: TOPIC, partitions: [0] }] }] })
    expect(offsets.groups[0]!.topics[0]!.partitions[0]!.startOffset).toBeGreaterThanOrEqual(3n)
  }, 90_000)

  it("a consumer group's session timeout from its group config expires a silent member; DeleteGroups then removes its configs", async () => {
    const SHORT = 'short-sessions'
    const LONG = 'broker-sessions'
    expect((await alterGroup(SHORT, { 'consumer.session.timeout.ms': '2000', 'consumer.heartbeat.interval.ms': '500' })).responses[0]!.errorCode).toBe(E.NONE)
    const join = (groupId: string) => c.request(ApiKeys.ConsumerGroupHeartbeat, 0, {
      groupId,
      memberId: `${groupId}-member`,
      memberEpoch: 0,
      instanceId: null,
      rackId: null,
      rebalanceTimeoutMs: 30000,
      subscribedTopicNames: [TOPIC],
      serverAssignor: null,
      topicPartitions: [],
    })
    const short = await join(SHORT)
    const long = await join(LONG)
    expect(short).toMatchObject({ errorCode: E.NONE, heartbeatIntervalMs: 500 })
    expect(long).toMatchObject({ errorCode: E.NONE, heartbeatIntervalMs: 5000 })

    // Neither member heartbeats again: the short group's member goes after its 2 s session.
    const members = async (groupId: string) => (await c.request(ApiKeys.ConsumerGroupDescribe, 0, { groupIds: [groupId], includeAuthorizedOperations: false })).groups[0]!.members.length
    const deadline = Date.now() + 30_000
    while ((await members(SHORT)) > 0) {
      expect(Date.now(), 'the short-session member was never expired').toBeLessThan(deadline)
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    expect(await members(LONG)).toBe(1)

    const deleted = await c.request(ApiKeys.DeleteGroups, 2, { groupsNames: [SHORT] })
    expect(deleted.results).toEqual([expect.objectContaining({ groupId: SHORT, errorCode: E.NONE })])
    expect(await overridesOf(SHORT)).toEqual({})
  }, 60_000)

  it('configs survive a restart', async () => {
    c.close()
    await broker.stop()
    broker = await broker.restart()
    c = await connectRaw(broker.bootstrap, 'group-configs')
    expect(await overridesOf(EARLIEST_GROUP)).toEqual({ 'share.auto.offset.reset': 'earliest', 'share.record.lock.duration.ms': '5000', 'share.delivery.count.limit': '2' })
    const listed = await configs('--describe')
    expect(listed.code, listed.stderr).toBe(0)
    expect(listed.stdout).toContain(`Dynamic configs for group ${EARLIEST_GROUP} are:`)
    expect(listed.stdout).not.toContain('short-sessions')
  }, 120_000)
})
