/**
 * The share-partition leader's way to its share-partitions' state (Kafka's DefaultStatePersister,
 * KIP-932): each call goes to the share coordinator of the share-partition, the leader of
 * partition hash("groupId:topicId:partition") of `__share_group_state`: through the local
 * ShareCoordinator when this broker leads that partition, as one of the five share-state
 * requests over this broker's peer connections otherwise (as the transaction markers travel).
 *
 * While the coordinator moves (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS,
 * COORDINATOR_NOT_AVAILABLE, a leader that is not one, a peer that does not answer) the call
 * looks the coordinator up again and retries, with a growing pause, for up to
 * RETRY_BUDGET_MS; other refusals (fencing above all) reject at once with ShareStateError.
 * `__share_group_state` is created on first use, as Kafka creates it.
 */
import type { Logger } from '../common/logger.js'
import { SamsaError } from '../common/errors.js'
import { setTimeout as sleep } from 'node:timers/promises'
import type { MetadataStore } from '../metadata/metadata-store.js'
import { ApiKeys } from '../protocol/api-keys.js'
import { KafkaErrorCodes } from '../protocol/error-codes.js'
import type { ShareCoordinator, ShareStateAnswer } from '../group/share/coordinator/share-coordinator.js'
import { numberBatches, wireBatches } from '../group/share/coordinator/share-coordinator-records.js'
import { shareKeyId } from '../group/share/coordinator/share-coordinator-shard.js'
import { SHARE_GROUP_STATE_TOPIC } from '../group/share/coordinator/share-group-state-topic.js'
import type { ShareSnapshot } from '../group/share/share-partition.js'
import {
  type SharePartitionKey,
  ShareStateError,
  type ShareStatePersister,
  type ShareStateSummary,
  WriteCoalescer,
  toStateBatches,
} from '../group/share/share-state-persister.js'
import type { PeerBrokers } from './peer-brokers.js'
import type { TopicManager } from './topic-manager.js'

/** How long a call keeps looking for a coordinator: Kafka's request.timeout.ms default. */
const RETRY_BUDGET_MS = 30_000
const FIRST_BACKOFF_MS = 50
const MAX_BACKOFF_MS = 1_000
/** Added to the coordinator's ISR wait for a remote call: the request's trip and the peer's queue. */
const NETWORK_SLACK_MS = 5_000

const RETRIABLE = new Set<number>([
  KafkaErrorCodes.NOT_COORDINATOR,
  KafkaErrorCodes.COORDINATOR_LOAD_IN_PROGRESS,
  KafkaErrorCodes.COORDINATOR_NOT_AVAILABLE,
  KafkaErrorCodes.NOT_LEADER_OR_FOLLOWER,
  KafkaErrorCodes.REQUEST_TIMED_OUT,
])

export interface DefaultStatePersisterOptions {
  readonly nodeId: number
  readonly metadata: MetadataStore
  readonly topics: Pick<TopicManager, 'ensureShareGroupStateTopic'>
  readonly coordinator: ShareCoordinator
  readonly peers: PeerBrokers
  /** share.coordinator.write.timeout.ms: a remote call waits this plus the trip. */
  readonly writeTimeoutMs: number
  readonly logger: Logger
}

type Call<T extends ShareStateAnswer> = {
  readonly local: () => Promise<T>
  readonly remote: (brokerId: number) => Promise<T>
}

export class DefaultStatePersister implements ShareStatePersister {
  readonly #options: DefaultStatePersisterOptions
  readonly #writes = new WriteCoalescer()
  #closing = false

  constructor(options: DefaultStatePersisterOptions) {
    this.#options = options
  }

  async read(key: SharePartitionKey, leaderEpoch: number): Promise<ShareSnapshot | null> {
    const answer = await this.#call(key, {
      local: () => this.#options.coordinator.read(key, leaderEpoch),
      remote: async (brokerId) => {
        const response = await this.#options.peers.request(brokerId, ApiKeys.ReadShareGroupState, { groupId: key.groupId, topics: [{ topicId: key.topicId, partitions: [{ partition: key.partition, leaderEpoch }] }] }, this.#timeout())
        const p = onlyPartition(response.results)
        return {
          errorCode: p.errorCode,
          errorMessage: p.errorMessage,
          stateEpoch: p.stateEpoch,
          startOffset: Number(p.startOffset),
          stateBatches: numberBatches(p.stateBatches),
        }
      },
    })
    if (answer.startOffset < 0) return null
    return { stateEpoch: answer.stateEpoch, startOffset: answer.startOffset, stateBatches: answer.stateBatches }
  }

  write(key: SharePartitionKey, leaderEpoch: number, snapshot: () => ShareSnapshot): Promise<void> {
    return this.#writes.write(shareKeyId(key), snapshot, async (state) => {
      const stateBatches = toStateBatches(state)
      await this.#call(key, {
        local: () => this.#options.coordinator.write(key, { stateEpoch: state.stateEpoch, leaderEpoch, startOffset: state.startOffset, stateBatches }),
        remote: async (brokerId) => {
          const response = await this.#options.peers.request(
            brokerId,
            ApiKeys.WriteShareGroupState,
            {
              groupId: key.groupId,
              topics: [{
                topicId: key.topicId,
                partitions: [{
                  partition: key.partition,
                  stateEpoch: state.stateEpoch,
                  leaderEpoch,
                  startOffset: BigInt(state.startOffset),
                  stateBatches: wireBatches(stateBatches),
                }],
              }],
            },
            this.#timeout(),
          )
          return onlyPartition(response.results)
        },
      })
    })
  }

  async readSummary(key: SharePartitionKey): Promise<ShareStateSummary> {
    const answer = await this.#call(key, {
      local: () => this.#options.coordinator.readSummary(key),
      remote: async (brokerId) => {
        const response = await this.#options.peers.request(brokerId, ApiKeys.ReadShareGroupStateSummary, { groupId: key.groupId, topics: [{ topicId: key.topicId, partitions: [{ partition: key.partition, leaderEpoch: -1 }] }] }, this.#timeout())
        const p = onlyPartition(response.results)
        return { errorCode: p.errorCode, errorMessage: p.errorMessage, stateEpoch: p.stateEpoch, startOffset: Number(p.startOffset), stateBatches: [] }
      },
    })
    return { stateEpoch: answer.stateEpoch, startOffset: answer.startOffset }
  }

  async initialize(key: SharePartitionKey, stateEpoch: number, startOffset: number): Promise<void> {
    await this.#writes.settled(shareKeyId(key))
    await this.#call(key, {
      local: () => this.#options.coordinator.initialize(key, stateEpoch, startOffset),
      remote: async (brokerId) => {
        const response = await this.#options.peers.request(brokerId, ApiKeys.InitializeShareGroupState, { groupId: key.groupId, topics: [{ topicId: key.topicId, partitions: [{ partition: key.partition, stateEpoch, startOffset: BigInt(startOffset) }] }] }, this.#timeout())
        return onlyPartition(response.results)
      },
    })
  }

  async delete(key: SharePartitionKey): Promise<void> {
    await this.#writes.settled(shareKeyId(key))
    await this.#call(key, {
      local: () => this.#options.coordinator.delete(key),
      remote: async (brokerId) => {
        const response = await this.#options.peers.request(brokerId, ApiKeys.DeleteShareGroupState, { groupId: key.groupId, topics: [{ topicId: key.topicId, partitions: [{ partition: key.partition }] }] }, this.#timeout())
        return onlyPartition(response.results)
      },
    })
  }

  flush(): Promise<void> {
    return this.#writes.flush()
  }

  /**
   * The broker is stopping: calls under way make their current attempt and retry no more, so
   * a shutdown never waits out the retry budget for a coordinator that has gone.
   */
  close(): void {
    this.#closing = true
  }

  #timeout(): { timeoutMs: number } {
    return { timeoutMs: this.#options.writeTimeoutMs + NETWORK_SLACK_MS }
  }

  /** Sends `call` to the share-partition's coordinator, looking it up again while it moves. */
  async #call<T extends ShareStateAnswer>(key: SharePartitionKey, call: Call<T>): Promise<T> {
    const deadline = performance.now() + RETRY_BUDGET_MS
    let backoff = FIRST_BACKOFF_MS
    let lastProblem = ''
    for (;;) {
      let answer: T | null = null
      try {
        if (this.#options.metadata.topic(SHARE_GROUP_STATE_TOPIC) === undefined) await this.#options.topics.ensureShareGroupStateTopic()
        const index = this.#options.coordinator.partitionFor(key)
        const leader = this.#options.metadata.partitionState(SHARE_GROUP_STATE_TOPIC, index)?.leader ?? -1
        if (leader < 0) lastProblem = `${SHARE_GROUP_STATE_TOPIC}-${index} has no leader`
        else answer = leader === this.#options.nodeId ? await call.local() : await call.remote(leader)
      } catch (error) {
        // A peer that is down or slow, or a topic not made yet: the coordinator is looked up again.
        if (!(SamsaError.is(error) || error instanceof ShareStateError)) throw error
        lastProblem = (error as Error).message
      }
      if (answer !== null) {
        if (answer.errorCode === KafkaErrorCodes.NONE) return answer
        if (!RETRIABLE.has(answer.errorCode)) throw new ShareStateError(answer.errorCode, answer.errorMessage ?? `The share coordinator refused with error ${answer.errorCode}.`)
        lastProblem = answer.errorMessage ?? `error ${answer.errorCode}`
      }
      if (this.#closing || performance.now() + backoff > deadline) {
        throw new ShareStateError(KafkaErrorCodes.COORDINATOR_NOT_AVAILABLE, `No share coordinator answered for ${key.groupId}:${key.topicId}:${key.partition} within ${RETRY_BUDGET_MS} ms (last: ${lastProblem}).`)
      }
      await sleep(backoff)
      backoff = Math.min(MAX_BACKOFF_MS, backoff * 2)
    }
  }
}

/** The one partition answer of a one-partition request; a peer that answers otherwise is broken. */
function onlyPartition<P extends { errorCode: number; errorMessage: string | null }>(results: ReadonlyArray<{ partitions: readonly P[] }>): P {
  const p = results[0]?.partitions[0]
  if (p === undefined) throw new ShareStateError(KafkaErrorCodes.UNKNOWN_SERVER_ERROR, 'The share coordinator answered without the share-partition asked about.')
  return p
}
