/**
 * The lean consumer: a fetch loop over assigned partitions, either assigned by hand from an
 * offset, the beginning, the end or a time (`assign`), or by a consumer group (`subscribe`:
 * JoinGroup/SyncGroup with the range or round-robin assignor, heartbeats, committed offsets).
 *
 * Each `poll` sends one Fetch per leader and returns the records that arrived, in offset order
 * per partition. Compressed or large record sets are decompressed and decoded in the worker
 * pool; small uncompressed ones inline (a pool round trip would cost more). Records before the
 * fetch position (a fetch returns whole batches) and control batches are skipped.
 *
 * Not thread-safe; one poll at a time.
 */
import { ErrorCodes, SamsaError } from '../common/errors.js'
import { ApiKeys } from '../protocol/api-keys.js'
import { KafkaErrorCodes, kafkaError } from '../protocol/error-codes.js'
import { decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from '../protocol/messages/consumer-protocol.js'
import { ATTRIBUTES_OFFSET, COMPRESSION_CODEC_MASK, RECORD_BATCH_OVERHEAD } from '../protocol/record-batch.js'
import { type WorkerPool, type WorkerPoolLease, acquireWorkerPool } from '../workers/pool.js'
import {
  BATCH_FLAG_CONTROL,
  BATCH_FLAGS,
  BATCH_FIRST_RECORD,
  BATCH_INFO_ROW,
  BATCH_LAST_OFFSET,
  BATCH_RECORD_COUNT,
  type DecodedBatches,
  RECORD_HEADER_COUNT,
  RECORD_HEADERS_START,
  RECORD_KEY_LENGTH,
  RECORD_KEY_START,
  RECORD_OFFSET,
  RECORD_ROW,
  RECORD_TIMESTAMP,
  RECORD_VALUE_LENGTH,
  RECORD_VALUE_START,
  decodeBatches,
  readHeaders,
} from '../workers/tasks/decode-batches.js'
import { type AssignorName, assignPartitions } from './assignors.js'
import { type ClientOptions, Cluster, sleep, topicError } from './cluster.js'
import { KafkaError, kafkaFailure } from './kafka-error.js'

export interface ConsumerRecord {
  readonly topic: string
  readonly partition: number
  readonly offset: number
  readonly timestamp: number
  readonly key: Buffer | null
  readonly value: Buffer | null
  readonly headers: Array<[string, Buffer | null]>
}

/** Where to start reading a partition: the first offset, the log end, an offset, or the first record at or after a time. */
export type StartPosition = 'earliest' | 'latest' | number | { readonly timestamp: number }

export interface TopicPartitionStart {
  readonly topic: string
  readonly partition: number
  readonly from?: StartPosition
}

export interface ConsumerOptions {
  /** Needed for `subscribe` and `commit`. */
  readonly groupId?: string
  /** Where to start without a committed offset (or after OFFSET_OUT_OF_RANGE); default 'latest', as Kafka. */
  readonly autoOffsetReset?: 'earliest' | 'latest'
  readonly maxWaitMs?: number
  readonly minBytes?: number
  readonly maxBytes?: number
  readonly partitionMaxBytes?: number
  readonly readCommitted?: boolean
  readonly sessionTimeoutMs?: number
  readonly rebalanceTimeoutMs?: number
  readonly heartbeatIntervalMs?: number
  /** Commit positions every autoCommitIntervalMs and on close (group mode); default true. */
  readonly autoCommit?: boolean
  readonly autoCommitIntervalMs?: number
  readonly assignor?: AssignorName
  /** Pool for decompressing and decoding; null decodes on the event loop. Default: the process pool. */
  readonly pool?: WorkerPool | null
  /** Uncompressed record sets smaller than this are decoded inline; default 256 KiB. */
  readonly inlineDecodeBytes?: number
}

interface Position {
  readonly topic: string
  readonly partition: number
  /** Next offset to fetch; -1 until `start` is resolved. */
  offset: number
  start: StartPosition
  /**
   * After a start by time: records before the first one at or after this time are skipped. The
   * broker's answer may be the start of the batch holding that record, not the record itself.
   */
  notBefore: number | null
}

const key = (topic: string, partition: number): string => `${topic}\u0000${partition}`

export class Consumer {
  readonly #cluster: Cluster
  readonly #ownsCluster: boolean
  readonly #options: Required<Omit<ConsumerOptions, 'groupId' | 'pool'>>
  readonly #groupId: string | undefined
  /** The caller's pool (null: inline), or undefined for the shared one, held by #lease. */
  readonly #ownPool: WorkerPool | null | undefined
  /** Held from construction to close, so the shared pool outlives no one and no one outlives it. */
  readonly #lease: WorkerPoolLease | null
  #positions = new Map<string, Position>()
  #subscription: string[] | null = null
  #memberId = ''
  #generationId = -1
  #needsJoin = false
  #heartbeat: NodeJS.Timeout | null = null
  #lastCommit = Date.now()
  #closed = false

  constructor(cluster: Cluster | ClientOptions = {}, options: ConsumerOptions = {}) {
    this.#ownsCluster = !(cluster instanceof Cluster)
    this.#cluster = cluster instanceof Cluster ? cluster : new Cluster(cluster)
    this.#groupId = options.groupId
    this.#ownPool = options.pool
    this.#lease = options.pool === undefined ? acquireWorkerPool() : null
    this.#options = {
      autoOffsetReset: options.autoOffsetReset ?? 'latest',
      maxWaitMs: options.maxWaitMs ?? 500,
      minBytes: options.minBytes ?? 1,
      maxBytes: options.maxBytes ?? 50 * 1024 * 1024,
      partitionMaxBytes: options.partitionMaxBytes ?? 1024 * 1024,
      readCommitted: options.readCommitted ?? false,
      sessionTimeoutMs: options.sessionTimeoutMs ?? 45_000,
      rebalanceTimeoutMs: options.rebalanceTimeoutMs ?? 60_000,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 3_000,
      autoCommit: options.autoCommit ?? true,
      autoCommitIntervalMs: options.autoCommitIntervalMs ?? 5_000,
      assignor: options.assignor ?? 'range',
      inlineDecodeBytes: options.inlineDecodeBytes ?? 256 * 1024,
    }
  }

  get cluster(): Cluster {
    return this.#cluster
  }

  /** Reads these partitions (replacing any assignment), each from its `from` (default: autoOffsetReset). */
  async assign(partitions: readonly TopicPartitionStart[]): Promise<void> {
    if (this.#subscription !== null) throw new SamsaError(ErrorCodes.USAGE, 'This consumer subscribed through a group; it cannot also assign partitions.')
    const positions = new Map<string, Position>()
    for (const { topic, partition, from } of partitions) {
      const info = await this.#cluster.topicMetadata(topic)
      if (partition < 0 || partition >= info.partitions.length) {
        throw new SamsaError(ErrorCodes.USAGE, `Topic '${topic}' has partitions 0-${info.partitions.length - 1}; partition ${partition} does not exist.`)
      }
      positions.set(key(topic, partition), { topic, partition, offset: -1, start: from ?? this.#options.autoOffsetReset, notBefore: null })
    }
    this.#positions = positions
  }

  /** Reads every partition of `topics`, from `from` (default: autoOffsetReset). */
  async assignTopics(topics: readonly string[], from?: StartPosition): Promise<void> {
    const all: TopicPartitionStart[] = []
    for (const topic of topics) {
      const info = await this.#cluster.topicMetadata(topic)
      for (let partition = 0; partition < info.partitions.length; partition++) all.push({ topic, partition, ...(from !== undefined && { from }) })
    }
    await this.assign(all)
  }

  /** Joins the consumer group `groupId` for `topics`; the group decides which partitions this member reads. */
  async subscribe(topics: readonly string[]): Promise<void> {
    if (this.#groupId === undefined) throw new SamsaError(ErrorCodes.USAGE, 'subscribe needs a groupId (consumer groups are named).')
    for (const topic of topics) await this.#cluster.topicMetadata(topic)
    this.#subscription = [...topics]
    this.#needsJoin = true
  }

  /** The partitions currently read, with their next offsets (-1: not yet resolved). */
  assignment(): Array<{ topic: string; partition: number; offset: number }> {
    return [...this.#positions.values()].map(({ topic, partition, offset }) => ({ topic, partition, offset }))
  }

  /** Moves a partition's position. */
  seek(topic: string, partition: number, from: StartPosition): void {
    const position = this.#positions.get(key(topic, partition))
    if (position === undefined) throw new SamsaError(ErrorCodes.USAGE, `${topic}-${partition} is not assigned to this consumer.`)
    position.offset = typeof from === 'number' ? from : -1
    position.start = from
    position.notBefore = null
  }

  /** One fetch round: the records that arrived within maxWaitMs (possibly none). */
  async poll(): Promise<ConsumerRecord[]> {
    if (this.#closed) throw new SamsaError(ErrorCodes.USAGE, 'The consumer is closed.')
    if (this.#subscription !== null) {
      if (this.#options.autoCommit && Date.now() - this.#lastCommit >= this.#options.autoCommitIntervalMs) await this.commit()
      if (this.#needsJoin) await this.#join()
    }
    await this.#resolvePositions()
    const byLeader = new Map<number, Position[]>()
    for (const position of this.#positions.values()) {
      if (position.offset < 0) continue
      const info = await this.#cluster.topicMetadata(position.topic)
      const leader = info.partitions[position.partition]?.leader ?? -1
      if (leader < 0) {
        this.#cluster.invalidate(position.topic)
        continue
      }
      let list = byLeader.get(leader)
      if (list === undefined) byLeader.set(leader, (list = []))
      list.push(position)
    }
    if (byLeader.size === 0) {
      await sleep(Math.min(this.#options.maxWaitMs, 100))
      return []
    }
    const results = await Promise.all([...byLeader].map(([leader, positions]) => this.#fetch(leader, positions)))
    return results.flat()
  }

  /** Commits the current positions for the group (no-op without a group or positions). */
  async commit(): Promise<void> {
    this.#lastCommit = Date.now()
    if (this.#groupId === undefined) return
    const byTopic = new Map<string, Array<{ partitionIndex: number; committedOffset: bigint; committedMetadata: string }>>()
    for (const p of this.#positions.values()) {
      if (p.offset < 0) continue
      let list = byTopic.get(p.topic)
      if (list === undefined) byTopic.set(p.topic, (list = []))
      list.push({ partitionIndex: p.partition, committedOffset: BigInt(p.offset), committedMetadata: '' })
    }
    if (byTopic.size === 0) return
    const coordinator = await this.#cluster.coordinator(this.#groupId)
    const response = await coordinator.request(ApiKeys.OffsetCommit, {
      groupId: this.#groupId,
      generationIdOrMemberEpoch: this.#generationId,
      memberId: this.#memberId,
      topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
    })
    for (const topic of response.topics) {
      for (const p of topic.partitions) {
        if (p.errorCode === KafkaErrorCodes.NONE) continue
        if (p.errorCode === KafkaErrorCodes.REBALANCE_IN_PROGRESS || p.errorCode === KafkaErrorCodes.ILLEGAL_GENERATION || p.errorCode === KafkaErrorCodes.UNKNOWN_MEMBER_ID) {
          this.#needsJoin = true
          continue
        }
        if (p.errorCode === KafkaErrorCodes.NOT_COORDINATOR || p.errorCode === KafkaErrorCodes.COORDINATOR_NOT_AVAILABLE) {
          this.#cluster.forgetCoordinator(this.#groupId)
          continue
        }
        throw kafkaFailure(p.errorCode, `Committing ${topic.name}-${p.partitionIndex} for group '${this.#groupId}'`)
      }
    }
  }

  /** Commits (group mode, autoCommit), leaves the group and closes the connections it opened. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#stopHeartbeat()
    if (this.#subscription !== null && this.#groupId !== undefined && this.#memberId !== '') {
      try {
        if (this.#options.autoCommit) await this.commit()
        const coordinator = await this.#cluster.coordinator(this.#groupId)
        const version = coordinator.versionFor(ApiKeys.LeaveGroup)
        await coordinator.request(
          ApiKeys.LeaveGroup,
          version >= 3 ? { groupId: this.#groupId, members: [{ memberId: this.#memberId, groupInstanceId: null, reason: 'the consumer is closing' }] } : { groupId: this.#groupId, memberId: this.#memberId },
          version,
        )
      } catch {
        // Leaving is a courtesy: the session timeout removes the member anyway.
      }
    }
    this.#closed = true
    if (this.#ownsCluster) this.#cluster.close()
    await this.#lease?.release()
  }

  async #fetch(leader: number, positions: Position[]): Promise<ConsumerRecord[]> {
    let connection
    let response
    try {
      connection = await this.#cluster.brokerConnection(leader)
      const byTopic = new Map<string, Position[]>()
      for (const p of positions) {
        let list = byTopic.get(p.topic)
        if (list === undefined) byTopic.set(p.topic, (list = []))
        list.push(p)
      }
      response = await connection.request(
        ApiKeys.Fetch,
        {
          replicaId: -1,
          maxWaitMs: this.#options.maxWaitMs,
          minBytes: this.#options.minBytes,
          maxBytes: this.#options.maxBytes,
          isolationLevel: this.#options.readCommitted ? 1 : 0,
          sessionId: 0,
          sessionEpoch: -1,
          topics: [...byTopic].map(([topic, list]) => ({
            topic,
            partitions: list.map((p) => ({ partition: p.partition, fetchOffset: BigInt(p.offset), partitionMaxBytes: this.#options.partitionMaxBytes })),
          })),
          forgottenTopicsData: [],
          rackId: '',
        },
        undefined,
        30_000 + this.#options.maxWaitMs,
      )
    } catch (error) {
      if (SamsaError.is(error, ErrorCodes.NETWORK) || SamsaError.is(error, ErrorCodes.TIMEOUT)) {
        for (const p of positions) this.#cluster.invalidate(p.topic)
        await sleep(100)
        return []
      }
      throw error
    }
    const records: ConsumerRecord[] = []
    for (const topic of response.responses) {
      for (const p of topic.partitions) {
        const position = this.#positions.get(key(topic.topic, p.partitionIndex))
        if (position === undefined) continue
        if (p.errorCode === KafkaErrorCodes.OFFSET_OUT_OF_RANGE) {
          position.offset = -1
          position.start = this.#options.autoOffsetReset
          continue
        }
        if (p.errorCode !== KafkaErrorCodes.NONE) {
          const info = kafkaError(p.errorCode)
          if (info.retriable) {
            this.#cluster.invalidate(topic.topic)
            continue
          }
          if (p.errorCode === KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION) throw topicError(topic.topic, p.errorCode)
          throw new KafkaError(p.errorCode, `Fetching ${topic.topic}-${p.partitionIndex} failed: ${info.name}: ${info.message}`)
        }
        if (p.records === null || p.records.length < RECORD_BATCH_OVERHEAD) continue
        const decoded = await this.#decode(p.records)
        this.#collect(position, decoded, records)
      }
    }
    return records
  }

  #decode(records: Buffer): Promise<DecodedBatches> | DecodedBatches {
    const compressed = (records.readInt16BE(ATTRIBUTES_OFFSET) & COMPRESSION_CODEC_MASK) !== 0
    if (this.#ownPool === null || (!compressed && records.length < this.#options.inlineDecodeBytes)) return decodeBatches({ records })
    return (this.#ownPool ?? this.#lease!.pool).run('decodeRecordBatches', { records })
  }

  /** Turns decoded rows into records at or after the position, and moves the position past the batches. */
  #collect(position: Position, decoded: DecodedBatches, out: ConsumerRecord[]): void {
    const rows = new Float64Array(decoded.records.buffer, decoded.records.byteOffset, decoded.recordCount * RECORD_ROW)
    const data = decoded.data
    const batches = decoded.batches
    const from = position.offset
    for (let b = 0; b < batches.length; b += BATCH_INFO_ROW) {
      const lastOffset = batches[b + BATCH_LAST_OFFSET]!
      if (lastOffset < from) continue
      if ((batches[b + BATCH_FLAGS]! & BATCH_FLAG_CONTROL) === 0) {
        const first = batches[b + BATCH_FIRST_RECORD]!
        const end = first + batches[b + BATCH_RECORD_COUNT]!
        for (let r = first; r < end; r++) {
          const row = r * RECORD_ROW
          const offset = rows[row + RECORD_OFFSET]!
          if (offset < from) continue
          if (position.notBefore !== null) {
            if (rows[row + RECORD_TIMESTAMP]! < position.notBefore) continue
            position.notBefore = null
          }
          const keyLength = rows[row + RECORD_KEY_LENGTH]!
          const valueLength = rows[row + RECORD_VALUE_LENGTH]!
          const keyStart = rows[row + RECORD_KEY_START]!
          const valueStart = rows[row + RECORD_VALUE_START]!
          const headerCount = rows[row + RECORD_HEADER_COUNT]!
          out.push({
            topic: position.topic,
            partition: position.partition,
            offset,
            timestamp: rows[row + RECORD_TIMESTAMP]!,
            key: keyLength < 0 ? null : data.subarray(keyStart, keyStart + keyLength),
            value: valueLength < 0 ? null : data.subarray(valueStart, valueStart + valueLength),
            headers: headerCount === 0 ? [] : readHeaders(data, rows[row + RECORD_HEADERS_START]!, headerCount),
          })
        }
      }
      position.offset = lastOffset + 1
    }
  }

  /** Turns pending start positions into offsets with ListOffsets (committed offsets come from #join). */
  async #resolvePositions(): Promise<void> {
    const pending = [...this.#positions.values()].filter((p) => p.offset < 0)
    if (pending.length === 0) return
    const byLeader = new Map<number, Position[]>()
    for (const position of pending) {
      if (typeof position.start === 'number') {
        position.offset = position.start
        continue
      }
      const info = await this.#cluster.topicMetadata(position.topic)
      const leader = info.partitions[position.partition]?.leader ?? -1
      if (leader < 0) continue
      let list = byLeader.get(leader)
      if (list === undefined) byLeader.set(leader, (list = []))
      list.push(position)
    }
    for (const [leader, positions] of byLeader) {
      const connection = await this.#cluster.brokerConnection(leader)
      const timestampOf = (p: Position): bigint => (p.start === 'earliest' ? -2n : p.start === 'latest' ? -1n : BigInt((p.start as { timestamp: number }).timestamp))
      const response = await connection.request(ApiKeys.ListOffsets, {
        replicaId: -1,
        isolationLevel: this.#options.readCommitted ? 1 : 0,
        topics: [...new Set(positions.map((p) => p.topic))].map((name) => ({
          name,
          partitions: positions.filter((p) => p.topic === name).map((p) => ({ partitionIndex: p.partition, timestamp: timestampOf(p) })),
        })),
      })
      for (const topic of response.topics) {
        for (const p of topic.partitions) {
          const position = this.#positions.get(key(topic.name, p.partitionIndex))
          if (position === undefined) continue
          if (p.errorCode !== KafkaErrorCodes.NONE) {
            if (kafkaError(p.errorCode).retriable) continue
            throw kafkaFailure(p.errorCode, `Looking up offsets of ${topic.name}-${p.partitionIndex}`)
          }
          if (p.offset >= 0n) {
            position.offset = Number(p.offset)
            if (typeof position.start === 'object') position.notBefore = position.start.timestamp
          } else {
            // No record at or after the time: start at the end, as Kafka's consumers do.
            position.start = 'latest'
          }
        }
      }
    }
  }

  async #join(): Promise<void> {
    const groupId = this.#groupId!
    const topics = this.#subscription!
    this.#stopHeartbeat()
    for (let attempt = 0; ; attempt++) {
      if (attempt > 30) throw new SamsaError(ErrorCodes.KAFKA, `Could not join group '${groupId}' after ${attempt} attempts.`)
      const coordinator = await this.#cluster.coordinator(groupId)
      const joinVersion = coordinator.versionFor(ApiKeys.JoinGroup)
      const join = await coordinator.request(
        ApiKeys.JoinGroup,
        {
          groupId,
          sessionTimeoutMs: this.#options.sessionTimeoutMs,
          rebalanceTimeoutMs: this.#options.rebalanceTimeoutMs,
          memberId: this.#memberId,
          groupInstanceId: null,
          protocolType: 'consumer',
          protocols: [{ name: this.#options.assignor, metadata: encodeSubscription({ topics, userData: null }, 0) }],
          reason: null,
        },
        joinVersion,
        this.#options.rebalanceTimeoutMs + 10_000,
      )
      if (join.errorCode === KafkaErrorCodes.MEMBER_ID_REQUIRED) {
        this.#memberId = join.memberId
        continue
      }
      if (await this.#retryGroupError(join.errorCode, 'JoinGroup')) continue
      this.#memberId = join.memberId
      this.#generationId = join.generationId
      const protocolName = join.protocolName ?? this.#options.assignor
      let assignments: Array<{ memberId: string; assignment: Buffer }> = []
      if (join.leader === join.memberId) assignments = await this.#assign(protocolName as AssignorName, join.members)
      const sync = await coordinator.request(ApiKeys.SyncGroup, {
        groupId,
        generationId: this.#generationId,
        memberId: this.#memberId,
        groupInstanceId: null,
        protocolType: 'consumer',
        protocolName,
        assignments,
      })
      if (await this.#retryGroupError(sync.errorCode, 'SyncGroup')) continue
      const assigned = sync.assignment.length === 0 ? [] : decodeAssignment(sync.assignment).value.assignedPartitions
      await this.#takeAssignment(assigned.flatMap((a) => a.partitions.map((partition) => ({ topic: a.topic, partition }))))
      this.#needsJoin = false
      this.#startHeartbeat()
      return
    }
  }

  /** True when the error means "join again"; throws for errors that will not go away. */
  async #retryGroupError(errorCode: number, what: string): Promise<boolean> {
    if (errorCode === KafkaErrorCodes.NONE) return false
    const groupId = this.#groupId!
    switch (errorCode) {
      case KafkaErrorCodes.UNKNOWN_MEMBER_ID:
      case KafkaErrorCodes.ILLEGAL_GENERATION:
        this.#memberId = ''
        this.#generationId = -1
        return true
      case KafkaErrorCodes.REBALANCE_IN_PROGRESS:
        return true
      case KafkaErrorCodes.NOT_COORDINATOR:
      case KafkaErrorCodes.COORDINATOR_NOT_AVAILABLE:
      case KafkaErrorCodes.COORDINATOR_LOAD_IN_PROGRESS:
        this.#cluster.forgetCoordinator(groupId)
        await sleep(200)
        return true
      default:
        throw kafkaFailure(errorCode, `${what} for group '${groupId}'`)
    }
  }

  /** The leader's job: decide every member's partitions. */
  async #assign(assignor: AssignorName, members: ReadonlyArray<{ memberId: string; metadata: Buffer }>): Promise<Array<{ memberId: string; assignment: Buffer }>> {
    const subscriptions = members.map((m) => ({ memberId: m.memberId, topics: decodeSubscription(m.metadata).value.topics }))
    const topics = [...new Set(subscriptions.flatMap((s) => s.topics))]
    const infos = await this.#cluster.refreshMetadata(topics)
    const counts = new Map(infos.filter((t) => t.errorCode === KafkaErrorCodes.NONE).map((t) => [t.name, t.partitions.length]))
    const plan = assignPartitions(assignor === 'roundrobin' ? 'roundrobin' : 'range', subscriptions, counts)
    return [...plan].map(([memberId, byTopic]) => ({
      memberId,
      assignment: encodeAssignment({ assignedPartitions: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })), userData: null }, 0),
    }))
  }

  /** Adopts a new assignment: committed offsets where the group has them, autoOffsetReset elsewhere. */
  async #takeAssignment(partitions: Array<{ topic: string; partition: number }>): Promise<void> {
    const positions = new Map<string, Position>()
    for (const { topic, partition } of partitions) positions.set(key(topic, partition), { topic, partition, offset: -1, start: this.#options.autoOffsetReset, notBefore: null })
    this.#positions = positions
    if (partitions.length === 0) return
    const coordinator = await this.#cluster.coordinator(this.#groupId!)
    const byTopic = new Map<string, number[]>()
    for (const { topic, partition } of partitions) byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition])
    const response = await coordinator.request(ApiKeys.OffsetFetch, {
      groupId: this.#groupId!,
      topics: [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
    })
    for (const topic of response.topics) {
      for (const p of topic.partitions) {
        const position = positions.get(key(topic.name, p.partitionIndex))
        if (position !== undefined && p.errorCode === KafkaErrorCodes.NONE && p.committedOffset >= 0n) {
          position.offset = Number(p.committedOffset)
          position.start = position.offset
        }
      }
    }
  }

  #startHeartbeat(): void {
    this.#heartbeat = setInterval(() => {
      void this.#sendHeartbeat()
    }, this.#options.heartbeatIntervalMs)
    this.#heartbeat.unref()
  }

  #stopHeartbeat(): void {
    if (this.#heartbeat !== null) clearInterval(this.#heartbeat)
    this.#heartbeat = null
  }

  async #sendHeartbeat(): Promise<void> {
    if (this.#needsJoin || this.#closed) return
    try {
      const coordinator = await this.#cluster.coordinator(this.#groupId!)
      const response = await coordinator.request(ApiKeys.Heartbeat, { groupId: this.#groupId!, generationId: this.#generationId, memberId: this.#memberId, groupInstanceId: null })
      if (response.errorCode === KafkaErrorCodes.NONE) return
      if (response.errorCode === KafkaErrorCodes.UNKNOWN_MEMBER_ID) this.#memberId = ''
      if (response.errorCode === KafkaErrorCodes.NOT_COORDINATOR || response.errorCode === KafkaErrorCodes.COORDINATOR_NOT_AVAILABLE) this.#cluster.forgetCoordinator(this.#groupId!)
      this.#needsJoin = true
    } catch {
      // A failed heartbeat is retried on the next tick; the session timeout is the real limit.
    }
  }
}
