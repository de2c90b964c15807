/**
 * One REST Proxy consumer instance: a stateful consumer that lives in the gateway between HTTP
 * requests, as the Confluent proxy's instances live in the proxy. It consumes either as a member
 * of its consumer group (subscription: the group assigns partitions, shared with any Kafka client
 * in the same group, through records/group-member.ts) or from partitions it was given
 * (assignments), and keeps a position per partition:
 *
 * - a new partition starts at the group's committed offset, else at `auto.offset.reset`
 *   (earliest: the log start; latest: the high watermark); a partition kept across a rebalance
 *   keeps its position;
 * - a records read returns what the partitions hold from their positions, waiting up to the
 *   request's timeout for something to arrive, and moves the positions past what it returned;
 * - with `auto.commit.enable` the positions are committed before each read (everything returned
 *   by the previous read counts as delivered, as the Java consumer commits on poll), before a
 *   rebalance and when the instance is deleted or expires.
 *
 * Requests on one instance run one at a time (a lock), so two reads never hand out the same
 * records. Partitions led by another broker are read from their leaders, and a group coordinated
 * by another broker is joined through its coordinator (records/), so an instance on any broker's
 * gateway serves the whole cluster.
 */
import type { BrokerContext } from '../../broker/broker-context.js'
import { KafkaErrorCodes, kafkaError } from '../../protocol/error-codes.js'
import type { EmbeddedFormat } from '../../workers/tasks/encode-embedded-records.js'
import { GroupMember, type TopicPartition } from '../records/group-member.js'
import type { PartitionRead, PartitionReader, DisplayRecord } from '../records/partition-reader.js'
import type { GroupCoordinators } from '../records/group-coordinator-service.js'
import type { PartitionPositions } from '../records/partition-positions.js'
import { ProxyError, ProxyErrorCodes } from '../records/proxy-error.js'
import { type RestRecord, restRecords } from './rest-records.js'

export interface ConsumerInstanceConfig {
  readonly group: string
  readonly name: string
  readonly format: EmbeddedFormat
  readonly autoOffsetReset: 'earliest' | 'latest'
  readonly autoCommit: boolean
  readonly fetchMinBytes: number
  /** How long a records read waits for records when the request names no timeout. */
  readonly requestTimeoutMs: number
  readonly clientHost: string
}

interface Position extends TopicPartition {
  /** The next offset to return; -1 until resolved (committed offset or auto.offset.reset). */
  offset: number
}

const key = (topic: string, partition: number): string => `${topic}\u0000${partition}`

export class ConsumerInstance {
  readonly config: ConsumerInstanceConfig
  readonly #broker: BrokerContext
  readonly #reader: PartitionReader
  readonly #positionsOf: PartitionPositions
  readonly #member: GroupMember
  #mode: 'none' | 'subscribed' | 'assigned' = 'none'
  #positions = new Map<string, Position>()
  /** Positions as last committed by auto-commit, to skip commits that change nothing. */
  #autoCommitted = new Map<string, number>()
  #lock: Promise<unknown> = Promise.resolve()
  /** Requests running or waiting on this instance; an instance with any is not idle. */
  #running = 0
  #lastUsed = Date.now()
  #closed = false

  constructor(broker: BrokerContext, reader: PartitionReader, positions: PartitionPositions, coordinators: GroupCoordinators, config: ConsumerInstanceConfig) {
    this.#broker = broker
    this.#reader = reader
    this.#positionsOf = positions
    this.config = config
    this.#member = new GroupMember(broker, {
      groupId: config.group,
      clientId: `rest-${config.name}`,
      clientHost: config.clientHost,
      beforeRebalance: () => this.#autoCommit(),
      onAssignment: (assigned) => this.#adopt(assigned),
    }, coordinators)
  }

  /** Milliseconds since the last request on this instance ended (0 while one is running). */
  idleMs(now: number): number {
    return this.#running > 0 ? 0 : now - this.#lastUsed
  }

  touch(): void {
    this.#lastUsed = Date.now()
  }

  /** Runs `operation` after every earlier request on this instance. */
  exclusive<T>(operation: () => Promise<T> | T): Promise<T> {
    this.#running++
    const run = this.#lock.then(() => {
      if (this.#closed) throw instanceGone(this.config)
      return operation()
    })
    this.#lock = run
      .catch(() => undefined)
      .finally(() => {
        this.#running--
        this.touch()
      })
    return run
  }

  get closed(): boolean {
    return this.#closed
  }

  async subscribe(topics: readonly string[]): Promise<void> {
    if (this.#mode === 'assigned') {
      throw new ProxyError(409, ProxyErrorCodes.CONSUMER_ALREADY_SUBSCRIBED, 'This consumer instance was assigned partitions manually; it cannot also subscribe. DELETE its subscription first.')
    }
    for (const topic of topics) {
      if (this.#broker.metadata.topic(topic) === undefined) throw new ProxyError(404, ProxyErrorCodes.TOPIC_NOT_FOUND, `Topic not found: '${topic}' does not exist, so the instance cannot subscribe to it.`)
    }
    this.#mode = 'subscribed'
    // The join completes in the background; a records read waits for it (up to its timeout).
    this.#member.subscribe(topics).catch(() => undefined)
  }

  get subscription(): readonly string[] {
    return this.#mode === 'subscribed' ? this.#member.subscription : []
  }

  async unsubscribe(): Promise<void> {
    await this.#autoCommit()
    this.#member.unsubscribe()
    this.#mode = 'none'
    this.#positions = new Map()
  }

  assign(partitions: readonly TopicPartition[]): void {
    if (this.#mode === 'subscribed') {
      throw new ProxyError(409, ProxyErrorCodes.CONSUMER_ALREADY_SUBSCRIBED, 'This consumer instance is subscribed to topics; it cannot also be assigned partitions. DELETE its subscription first.')
    }
    for (const { topic, partition } of partitions) this.#checkPartition(topic, partition)
    this.#mode = partitions.length === 0 ? 'none' : 'assigned'
    this.#adopt(partitions)
  }

  get assignment(): readonly TopicPartition[] {
    return [...this.#positions.values()].map(({ topic, partition }) => ({ topic, partition }))
  }

  /** Moves positions (seek); every partition must be assigned to this instance. */
  seek(offsets: ReadonlyArray<TopicPartition & { offset: number }>): void {
    const targets = offsets.map((o) => ({ position: this.#assigned(o.topic, o.partition), offset: o.offset }))
    for (const { position, offset } of targets) position.offset = offset
  }

  async seekToBeginning(partitions: readonly TopicPartition[]): Promise<void> {
    const targets = partitions.map((p) => this.#assigned(p.topic, p.partition))
    const offsets = await Promise.all(targets.map((position) => this.#positionsOf.bounds(position.topic, position.partition)))
    targets.forEach((position, i) => (position.offset = offsets[i]!.beginning))
  }

  async seekToEnd(partitions: readonly TopicPartition[]): Promise<void> {
    const targets = partitions.map((p) => this.#assigned(p.topic, p.partition))
    const offsets = await Promise.all(targets.map((position) => this.#positionsOf.bounds(position.topic, position.partition)))
    targets.forEach((position, i) => (position.offset = offsets[i]!.end))
  }

  /** Commits the given offsets, or (none given) the positions of every assigned partition. */
  async commit(offsets: ReadonlyArray<TopicPartition & { offset: number; metadata?: string }> | null): Promise<void> {
    const entries = offsets ?? (await this.#resolvedPositions()).map(({ topic, partition, offset }) => ({ topic, partition, offset }))
    const results = await this.#member.commit(entries)
    const failed = results.find((r) => r.errorCode !== KafkaErrorCodes.NONE)
    if (failed !== undefined) {
      const info = kafkaError(failed.errorCode)
      throw new ProxyError(500, info.retriable ? ProxyErrorCodes.KAFKA_RETRIABLE_ERROR : ProxyErrorCodes.KAFKA_ERROR, `Committing ${failed.topic}-${failed.partition} for group '${this.config.group}' failed: ${info.name}: ${info.message}`)
    }
  }

  committed(partitions: readonly TopicPartition[]): Promise<Array<TopicPartition & { offset: number; metadata: string }>> {
    return this.#member.committed(partitions)
  }

  /** Records from the current positions, waiting up to `timeoutMs` for some to arrive. */
  async records(format: EmbeddedFormat, timeoutMs: number, maxBytes: number, signal: AbortSignal): Promise<RestRecord[]> {
    if (format !== this.config.format) {
      throw new ProxyError(406, ProxyErrorCodes.CONSUMER_FORMAT_MISMATCH, `This consumer instance was created with format '${this.config.format}'; read its records with Accept: application/vnd.kafka.${this.config.format}.v2+json, not ${format}.`)
    }
    if (this.#mode === 'none') {
      throw new ProxyError(409, ProxyErrorCodes.ILLEGAL_STATE, 'Illegal state: this consumer instance is neither subscribed to topics nor assigned partitions; POST its subscription or assignments first.')
    }
    const deadline = Date.now() + timeoutMs
    if (this.#mode === 'subscribed') {
      const joined = await Promise.race([this.#member.whenJoined().then(() => true), sleep(timeoutMs).then(() => false)])
      if (!joined) return []
    }
    await this.#autoCommit()
    const positions = await this.#resolvedPositions()
    if (positions.length === 0) {
      await sleep(Math.max(0, deadline - Date.now()))
      return []
    }
    const byTopic = new Map<string, Position[]>()
    for (const position of positions) {
      let list = byTopic.get(position.topic)
      if (list === undefined) byTopic.set(position.topic, (list = []))
      list.push(position)
    }
    const reads = await this.#read(byTopic, Math.max(0, deadline - Date.now()), maxBytes, signal)
    const out: RestRecord[] = []
    for (const [topic, read] of reads) {
      const list = byTopic.get(topic)!
      for (const [i, outcome] of read.partitions.entries()) {
        const position = list[i]!
        if (outcome.errorCode === KafkaErrorCodes.OFFSET_OUT_OF_RANGE) {
          // Kafka's consumers apply auto.offset.reset to a position that fell out of the log.
          const bounds = await this.#positionsOf.bounds(topic, position.partition)
          position.offset = this.config.autoOffsetReset === 'earliest' ? bounds.beginning : bounds.end
        } else if (outcome.errorCode === KafkaErrorCodes.NONE && this.#positions.get(key(topic, position.partition)) === position) {
          position.offset = outcome.nextOffset
        }
      }
      for (const record of restRecords(topic, read.output)) out.push(record)
    }
    return out
  }

  /** Leaves the group (committing first with auto-commit); the instance serves nothing after. */
  async close(): Promise<void> {
    if (this.#closed) return
    try {
      await this.#autoCommit()
    } finally {
      this.#closed = true
      this.#member.close()
    }
  }

  /**
   * One read per topic. With several topics, a first pass does not wait; if it found nothing,
   * every topic waits and the first to get records ends the others' waits (an aborted read
   * returns nothing and moves no position).
   */
  async #read(byTopic: Map<string, Position[]>, waitMs: number, maxBytes: number, signal: AbortSignal): Promise<Array<[string, PartitionRead<DisplayRecord[]>]>> {
    const readAll = (maxWaitMs: number, abort: AbortSignal) =>
      Promise.all(
        [...byTopic].map(async ([topic, list]) => {
          const read = await this.#reader.readRecords({
            topic,
            positions: list.map((p) => ({ partition: p.partition, offset: p.offset })),
            format: this.config.format,
            maxWaitMs,
            minBytes: this.config.fetchMinBytes,
            maxBytes,
            signal: abort,
          })
          return [topic, read] as [string, PartitionRead<DisplayRecord[]>]
        }),
      )
    if (byTopic.size === 1) return readAll(waitMs, signal)
    const first = await readAll(0, signal)
    if (waitMs === 0 || first.some(([, read]) => read.count > 0)) return first
    const waits = new AbortController()
    signal.addEventListener('abort', () => waits.abort(), { once: true })
    const reads = [...byTopic].map(([topic, list]) =>
      this.#reader
        .readRecords({
          topic,
          positions: list.map((p) => ({ partition: p.partition, offset: p.offset })),
          format: this.config.format,
          maxWaitMs: waitMs,
          minBytes: this.config.fetchMinBytes,
          maxBytes,
          signal: waits.signal,
        })
        .then((read) => {
          if (read.count > 0) waits.abort()
          return [topic, read] as [string, PartitionRead<DisplayRecord[]>]
        }),
    )
    return Promise.all(reads)
  }

  /** Positions for a new assignment: kept where the partition stays, unresolved otherwise. */
  #adopt(assigned: readonly TopicPartition[]): void {
    const positions = new Map<string, Position>()
    for (const { topic, partition } of assigned) {
      const id = key(topic, partition)
      positions.set(id, this.#positions.get(id) ?? { topic, partition, offset: -1 })
    }
    this.#positions = positions
  }

  /** Every assigned partition's position, resolving new ones from the group's commits or auto.offset.reset. */
  async #resolvedPositions(): Promise<Position[]> {
    const positions = [...this.#positions.values()]
    const unresolved = positions.filter((p) => p.offset < 0)
    if (unresolved.length > 0) {
      const committed = new Map((await this.#member.committed(unresolved)).map((c) => [key(c.topic, c.partition), c.offset]))
      for (const position of unresolved) {
        const offset = committed.get(key(position.topic, position.partition)) ?? -1
        if (offset >= 0) {
          position.offset = offset
          continue
        }
        const bounds = await this.#positionsOf.bounds(position.topic, position.partition)
        position.offset = this.config.autoOffsetReset === 'earliest' ? bounds.beginning : bounds.end
      }
    }
    return positions
  }

  async #autoCommit(): Promise<void> {
    if (!this.config.autoCommit) return
    const changed = [...this.#positions.values()].filter((p) => p.offset >= 0 && this.#autoCommitted.get(key(p.topic, p.partition)) !== p.offset)
    if (changed.length === 0) return
    const results = await this.#member.commit(changed.map(({ topic, partition, offset }) => ({ topic, partition, offset })))
    results.forEach((r, i) => {
      if (r.errorCode === KafkaErrorCodes.NONE) this.#autoCommitted.set(key(r.topic, r.partition), changed[i]!.offset)
    })
  }

  #assigned(topic: string, partition: number): Position {
    const position = this.#positions.get(key(topic, partition))
    if (position === undefined) {
      throw new ProxyError(409, ProxyErrorCodes.ILLEGAL_STATE, `Illegal state: ${topic}-${partition} is not assigned to this consumer instance (it holds ${this.assignment.map((p) => `${p.topic}-${p.partition}`).join(', ') || 'no partitions'}).`)
    }
    return position
  }

  #checkPartition(topic: string, partition: number): void {
    const metadata = this.#broker.metadata.topic(topic)
    if (metadata === undefined) throw new ProxyError(404, ProxyErrorCodes.TOPIC_NOT_FOUND, `Topic not found: '${topic}' does not exist.`)
    if (!(Number.isInteger(partition) && partition >= 0 && partition < metadata.partitions)) {
      throw new ProxyError(404, ProxyErrorCodes.PARTITION_NOT_FOUND, `Partition not found: topic '${topic}' has partitions 0-${metadata.partitions - 1}, not ${partition}.`)
    }
  }
}

export function instanceGone(config: { group: string; name: string }): ProxyError {
  return new ProxyError(404, ProxyErrorCodes.CONSUMER_INSTANCE_NOT_FOUND, `Consumer instance not found: group '${config.group}' has no instance '${config.name}' (it was deleted, or expired after http.consumer.instance.timeout.ms without requests).`)
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref())
}
