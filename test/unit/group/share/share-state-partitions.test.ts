/**
 * A share group's record of the share-partitions whose state it started
 * (ShareGroupStatePartitionMetadata), over a real group coordinator and its __consumer_offsets
 * log, with a persister that notes what it is asked: a heartbeat initializes every partition of
 * the subscribed topics (a partition its leader started first counts too), a failed one is tried
 * again; the record comes back from the log with a coordinator move; deleting the group deletes
 * the state of every recorded partition first, and a refusal keeps the group; a deleted topic
 * leaves the record with its state.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { OFFSETS_TOPIC, partitionForGroup } from '../../../../src/group/coordinator-key.js'
import { type SharePartitionKey, ShareStateError, type ShareStatePersister } from '../../../../src/group/share/share-state-persister.js'
import { KafkaErrorCodes as E } from '../../../../src/protocol/error-codes.js'
import { tempDir } from '../../../helpers/temp-dir.js'
import { type OpenCoordinator, openCoordinator } from '../coordinator-fixture.js'

const share = { sessionTimeoutMs: 45_000, heartbeatIntervalMs: 5000, maxSize: 10 }
const GROUP = 'queue'
let open: OpenCoordinator | undefined

/** A persister that records initializations and deletions, refusing those `refuse` names once. */
class NotingPersister implements Partial<ShareStatePersister> {
  readonly initialized: string[] = []
  readonly deleted: string[] = []
  readonly refuse = new Map<string, number>()

  async initialize(key: SharePartitionKey, stateEpoch: number, startOffset: number): Promise<void> {
    expect([stateEpoch, startOffset]).toEqual([0, -1])
    this.#maybeRefuse(`init ${key.partition}`)
    this.initialized.push(`${key.groupId}/${key.partition}`)
  }

  async delete(key: SharePartitionKey): Promise<void> {
    this.#maybeRefuse(`delete ${key.partition}`)
    this.deleted.push(`${key.groupId}/${key.partition}`)
  }

  #maybeRefuse(what: string): void {
    const code = this.refuse.get(what)
    if (code === undefined) return
    this.refuse.delete(what)
    throw new ShareStateError(code, `refused ${what}`)
  }
}

let persister: NotingPersister

beforeEach(async () => {
  open = await openCoordinator(tempDir(), { share })
  await open.metadata.createTopic('jobs', [[1], [1], [1]])
  persister = new NotingPersister()
  open.coordinator.shareGroups!.usePersister(persister as unknown as ShareStatePersister)
})

afterEach(async () => {
  await open?.close()
  open = undefined
})

const heartbeat = (memberId: string, memberEpoch: number, subscribedTopicNames: string[] | null = null) =>
  open!.coordinator.shareGroupHeartbeat({ groupId: GROUP, memberId, memberEpoch, rackId: null, subscribedTopicNames, clientId: memberId, clientHost: '/127.0.0.1' })

const recorded = () => {
  const state = open!.coordinator.shareGroups!.stateOf(GROUP)!.group.statePartitions
  return { initialized: [...(state.initialized.get(open!.metadata.topic('jobs')?.topicId ?? '')?.partitions ?? [])].sort(), initializing: state.initializing.size }
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

function moveCoordinatorAwayAndBack(): Promise<void> {
  const partition = open!.replicas.partition(OFFSETS_TOPIC, partitionForGroup(GROUP, open!.coordinator.offsetsTopicPartitionCount))!
  for (const leader of [2, 1]) {
    const state = partition.state
    open!.replicas.applyPartitionState(partition, { ...state, leader, leaderEpoch: state.leaderEpoch + 1, partitionEpoch: state.partitionEpoch + 1 }, () => undefined)
  }
  return until(() => open!.coordinator.shareGroups!.stateOf(GROUP) !== null, 'the group loaded again')
}

describe('the share-partitions a share group started', () => {
  it('are initialized after a heartbeat, retried when refused, and come back from the log', async () => {
    persister.refuse.set('init 1', E.COORDINATOR_NOT_AVAILABLE)
    // The leader of partition 2 started it first: the coordinator keeps that state (FENCED_STATE_EPOCH).
    persister.refuse.set('init 2', E.FENCED_STATE_EPOCH)
    expect((await heartbeat('a', 0, ['jobs'])).errorCode).toBe(E.NONE)
    await until(() => recorded().initializing === 0, 'the initialization to end')
    expect(recorded().initialized).toEqual([0, 2])

    // The next heartbeat tries partition 1 again.
    await heartbeat('a', 1)
    await until(() => recorded().initialized.length === 3, 'partition 1 initialized')
    expect(persister.initialized.sort()).toEqual([`${GROUP}/0`, `${GROUP}/1`])

    // Steady heartbeats initialize nothing more; a coordinator move brings the record back.
    await heartbeat('a', 1)
    await moveCoordinatorAwayAndBack()
    expect(recorded()).toEqual({ initialized: [0, 1, 2], initializing: 0 })
  })

  it('are all deleted before the group is; a refusal keeps the group for another try', async () => {
    await heartbeat('a', 0, ['jobs'])
    await until(() => recorded().initialized.length === 3, 'all initialized')
    await heartbeat('a', -1)
    // The coordinator moves: nothing of the group's share-partitions is held in memory now.
    await moveCoordinatorAwayAndBack()

    persister.refuse.set('delete 1', E.COORDINATOR_LOAD_IN_PROGRESS)
    expect(await open!.coordinator.shareGroups!.deleteStates([GROUP])).toEqual(new Map([[GROUP, E.COORDINATOR_LOAD_IN_PROGRESS]]))
    expect(open!.coordinator.shareGroups!.stateOf(GROUP)).not.toBeNull()

    expect(await open!.coordinator.shareGroups!.deleteStates([GROUP])).toEqual(new Map())
    expect(open!.coordinator.deleteGroups([GROUP])).toEqual([{ groupId: GROUP, errorCode: E.NONE }])
    expect(new Set(persister.deleted)).toEqual(new Set([`${GROUP}/0`, `${GROUP}/1`, `${GROUP}/2`]))
    expect(open!.coordinator.shareGroups!.stateOf(GROUP)).toBeNull()
  })

  it('a group with members is not deleted, and its state is left alone', async () => {
    await heartbeat('a', 0, ['jobs'])
    await until(() => recorded().initialized.length === 3, 'all initialized')
    expect(await open!.coordinator.shareGroups!.deleteStates([GROUP])).toEqual(new Map([[GROUP, E.NON_EMPTY_GROUP]]))
    expect(persister.deleted).toEqual([])
  })

  it('a topic deleted while the group has state leaves the record, its state deleted', async () => {
    await heartbeat('a', 0, ['jobs'])
    await until(() => recorded().initialized.length === 3, 'all initialized')
    const topicId = open!.metadata.topic('jobs')!.topicId
    await open!.metadata.deleteTopic('jobs')
    await heartbeat('a', 1)
    await until(() => !open!.coordinator.shareGroups!.stateOf(GROUP)!.group.statePartitions.initialized.has(topicId), 'the deleted topic dropped')
    expect(new Set(persister.deleted)).toEqual(new Set([`${GROUP}/0`, `${GROUP}/1`, `${GROUP}/2`]))
  })
})
