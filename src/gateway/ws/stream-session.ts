/**
 * One WebSocket connection on `/v1/ws/topics/{topic}`: its outbox, its record stream, the produce
 * requests it sends and, with `group=`, its membership of a Kafka consumer group.
 *
 * Frames the server sends (JSON text unless noted):
 *   {"type":"subscribed","topic":..,"format":..,"frames":..,"partitions":[{"partition":p,"offset":"o"}],..}
 *       first, with where each partition starts (a group stream lists its partitions in
 *       "assigned" frames instead, after each rebalance);
 *   {"type":"records","records":[{partition, offset, timestamp, key, value, headers}, ...]}
 *       or, with frames=binary, binary record frames (src/workers/tasks/record-frame.ts);
 *   {"type":"assigned","generation":g,"partitions":[{"partition":p,"offset":"o"}]}  (group streams);
 *   {"type":"ack",..} / {"type":"committed",..}  answers (client-messages.ts);
 *   {"type":"reset",..}  a partition's offset was out of range and the stream moved it;
 *   {"type":"error","error_code":c,"message":..[,"id":..][,"partition":p]}.
 *
 * Group streams join through the gateway's in-process group member, so they share the group's
 * partitions with Kafka clients. They start from the group's committed offsets (`offset=` where
 * there are none) and, with commit=auto, commit what was sent every second, before giving up
 * partitions in a rebalance and when the socket closes; with commit=manual only on the client's
 * commit messages. A client that reads every record it was sent before it closes resumes, on
 * reconnect, exactly after the last one. Before a rebalance the stream stops sending, so no
 * partition is read by two members at once.
 */
import type { BrokerContext } from '../../broker/broker-context.js'
import type { Logger } from '../../common/logger.js'
import { KafkaErrorCodes, kafkaError } from '../../protocol/error-codes.js'
import { GroupMember, type TopicPartition } from '../records/group-member.js'
import type { PartitionReader } from '../records/partition-reader.js'
import type { ProduceRecords } from '../records/produce-records.js'
import { ProxyError } from '../records/proxy-error.js'
import type { WebSocketSession } from '../uws.js'
import { type ClientMessage, CloseCodes, type CommitMessage, type ProduceMessage, parseClientMessage } from './client-messages.js'
import { Outbox, type OutboxStats } from './outbox.js'
import type { GroupCoordinators } from '../records/group-coordinator-service.js'
import type { PartitionPositions } from '../records/partition-positions.js'
import { resetOffsets, type StartPositions } from './start-positions.js'
import type { StreamOptions } from './stream-options.js'
import { TopicStream, type TopicStreamStats } from './topic-stream.js'

export interface StreamLimits {
  /** The route's maxBackpressure: uWS drops sends past it. */
  readonly maxBackpressure: number
  /** Buffered bytes above which the stream stops reading the log. */
  readonly pauseBytes: number
  /** Frames (acks, errors) that may wait for a client that does not read before it is closed. */
  readonly maxQueuedFrames: number
  /** Bytes of batches per read (about one frame). */
  readonly readMaxBytes: number
  readonly maxWaitMs: number
  readonly retryBackoffMs: number
  readonly maxProducesInFlight: number
  readonly autoCommitIntervalMs: number
}

export interface StreamServices {
  readonly broker: BrokerContext
  readonly reader: PartitionReader
  readonly producer: ProduceRecords
  readonly positions: PartitionPositions
  readonly coordinators: GroupCoordinators
  readonly logger: Logger
  readonly limits: StreamLimits
}

/** Per-socket state, decided at the upgrade. */
export interface StreamState {
  readonly options: StreamOptions
  /** Start positions of a stream without a group. */
  readonly start: StartPositions | null
  session: StreamSession | null
}

export interface StreamSessionStats extends OutboxStats, TopicStreamStats {
  readonly id: number
  readonly topic: string
  readonly remoteAddress: string
  readonly group: string | null
  readonly positions: Array<{ partition: number; offset: string }>
  readonly producesInFlight: number
}

export class StreamSession {
  readonly id: number
  readonly #services: StreamServices
  readonly #socket: WebSocketSession<StreamState>
  readonly #options: StreamOptions
  readonly #outbox: Outbox
  readonly #stream: TopicStream
  #member: GroupMember | null = null
  /** Positions last committed, to commit only what moved. */
  #committed = new Map<number, number>()
  #autoCommit: NodeJS.Timeout | null = null
  /** Counts assignments, so that one whose offsets arrive after a newer one is dropped. */
  #assignments = 0
  #producesInFlight = 0
  #closing: Promise<void> | null = null

  constructor(id: number, services: StreamServices, socket: WebSocketSession<StreamState>) {
    this.id = id
    this.#services = services
    this.#socket = socket
    this.#options = socket.state.options
    const { limits } = services
    this.#outbox = new Outbox(socket, limits.pauseBytes, limits.maxQueuedFrames, () => {
      services.logger.error('uWS dropped a WebSocket frame (over maxBackpressure); the stream stops', { session: id, topic: this.#options.topic })
      this.#end(CloseCodes.INTERNAL_ERROR, 'a frame could not be sent')
    })
    this.#stream = new TopicStream({
      topic: this.#options.topic,
      reader: services.reader,
      outbox: this.#outbox,
      format: this.#options.format,
      binaryFrames: this.#options.binaryFrames,
      maxBytes: limits.readMaxBytes,
      maxWaitMs: limits.maxWaitMs,
      retryBackoffMs: limits.retryBackoffMs,
      notify: (frame) => this.#sendJson(frame),
      fail: (error) => {
        services.logger.warn('WebSocket stream failed', { session: id, topic: this.#options.topic, error })
        this.#sendJson({ type: 'error', error_code: 50002, message: `The stream cannot go on: ${(error as Error).message}` })
        this.#end(CloseCodes.INTERNAL_ERROR, 'the stream failed; see the error frame')
      },
    })
  }

  open(): void {
    const { options } = this
    const base = { type: 'subscribed', topic: options.topic, format: options.format, frames: options.binaryFrames ? 'binary' : 'text' }
    const start = this.#socket.state.start
    if (start !== null) {
      this.#sendJson({ ...base, partitions: positionList(start.positions) })
      this.#stream.assign(start.positions)
      return
    }
    this.#sendJson({ ...base, group: options.group, commit: options.autoCommit ? 'auto' : 'manual' })
    this.#joinGroup()
  }

  get options(): StreamOptions {
    return this.#options
  }

  message(data: Buffer, binary: boolean): void {
    const message = parseClientMessage(data, binary)
    if ('malformed' in message) {
      this.#sendJson({ type: 'error', error_code: 400, message: message.message })
      this.#end(message.closeCode, message.message.slice(0, 120))
      return
    }
    if ('refused' in message) {
      this.#sendJson({ type: 'error', id: message.id, error_code: 400, message: message.message })
      return
    }
    this.#dispatch(message, data)
  }

  drain(): void {
    this.#outbox.drain()
  }

  get stats(): StreamSessionStats {
    return {
      id: this.id,
      topic: this.#options.topic,
      remoteAddress: this.#socket.remoteAddress,
      group: this.#options.group,
      ...this.#outbox.stats,
      ...this.#stream.stats,
      positions: positionList(this.#stream.positions),
      producesInFlight: this.#producesInFlight,
    }
  }

  /**
   * Stops the stream, commits what was sent (commit=auto) and leaves the group. Called when the
   * socket closed, or by the module when the gateway closes (then the socket is ended with
   * `code`). Safe to call more than once.
   */
  shutdown(code: number = CloseCodes.NORMAL, reason = ''): Promise<void> {
    this.#closing ??= (async () => {
      this.#stream.close()
      if (this.#autoCommit !== null) clearInterval(this.#autoCommit)
      this.#autoCommit = null
      const member = this.#member
      if (member !== null) {
        if (this.#options.autoCommit) await this.#commitSent().catch(() => undefined)
        member.close('the WebSocket stream closed')
      }
      this.#outbox.close()
      if (!this.#socket.closed) this.#socket.end(code, reason)
    })()
    return this.#closing
  }

  #dispatch(message: ClientMessage, data: Buffer): void {
    if (message.type === 'produce') this.#produce(message, data)
    else this.#commit(message)
  }

  #produce(message: ProduceMessage, body: Buffer): void {
    if (this.#producesInFlight >= this.#services.limits.maxProducesInFlight) {
      this.#sendJson({ type: 'error', id: message.id, error_code: 429, message: `Over ${this.#services.limits.maxProducesInFlight} produce requests wait for their acks on this socket; wait for acks before sending more.` })
      return
    }
    this.#producesInFlight++
    const format = message.format ?? (this.#options.format === 'binary' ? 'binary' : 'json')
    // The message itself is the body: the encoding task reads its "records" and ignores the rest,
    // so the records are parsed and encoded once, in the worker pool.
    this.#services.producer
      .produce({ topic: this.#options.topic, partition: -1, format, body })
      .then((offsets) => {
        this.#sendJson({
          type: 'ack',
          id: message.id,
          offsets: offsets.map((o) =>
            o.error_code === null ? { partition: o.partition, offset: String(o.offset) } : { partition: o.partition, error_code: o.error_code, error: o.error },
          ),
        })
      })
      .catch((error: unknown) => this.#sendError(message.id, error))
      .finally(() => {
        this.#producesInFlight--
      })
  }

  #commit(message: CommitMessage): void {
    const member = this.#member
    if (member === null) {
      this.#sendJson({ type: 'error', id: message.id, error_code: 400, message: 'This stream has no consumer group (connect with group=<id>) and so nothing to commit.' })
      return
    }
    const positions = message.offsets ?? this.#stream.positions
    const entries = [...positions].map(([partition, offset]) => ({ topic: this.#options.topic, partition, offset }))
    member
      .commit(entries)
      .then((results) => {
        for (const r of results) if (r.errorCode === KafkaErrorCodes.NONE) this.#committed.set(r.partition, positions.get(r.partition)!)
        this.#sendJson({
          type: 'committed',
          id: message.id,
          offsets: results.map((r) =>
            r.errorCode === KafkaErrorCodes.NONE
              ? { partition: r.partition, offset: String(positions.get(r.partition)) }
              : { partition: r.partition, error_code: r.errorCode, error: `${kafkaError(r.errorCode).name}: ${kafkaError(r.errorCode).message}` },
          ),
        })
      })
      .catch((error: unknown) => this.#sendError(message.id, error))
  }

  #joinGroup(): void {
    const { broker, limits, coordinators } = this.#services
    const member = new GroupMember(broker, {
      groupId: this.#options.group!,
      clientId: 'samsa-websocket',
      clientHost: this.#socket.remoteAddress,
      // Stop sending first, so the partitions' next owner never overlaps with us.
      beforeRebalance: async (owned) => {
        const sent = new Map(this.#stream.positions)
        this.#stream.assign(new Map())
        if (this.#options.autoCommit) await this.#commitPositions(sent, owned)
      },
      onAssignment: (assigned) => {
        this.#assigned(member, assigned).catch((error: unknown) => this.#sendError(null, error))
      },
    }, coordinators)
    this.#member = member
    member.subscribe([this.#options.topic]).catch((error: unknown) => {
      this.#sendError(null, error)
      this.#end(CloseCodes.INTERNAL_ERROR, 'could not join the consumer group; see the error frame')
    })
    if (this.#options.autoCommit) {
      this.#autoCommit = setInterval(() => {
        this.#commitSent().catch(() => undefined)
      }, limits.autoCommitIntervalMs)
    }
  }

  /** Starts the stream on a new assignment, from the group's commits or the query's offset. */
  async #assigned(member: GroupMember, assigned: readonly TopicPartition[]): Promise<void> {
    if (this.#closing !== null) return
    const generation = ++this.#assignments
    this.#stream.assign(new Map())
    const mine = assigned.filter((tp) => tp.topic === this.#options.topic)
    const committed = await member.committed(mine)
    const uncommitted = committed.filter((c) => c.offset < 0).map((c) => c.partition)
    const reset = uncommitted.length === 0 ? new Map<number, number>() : await resetOffsets(this.#services.positions, this.#options.topic, uncommitted, this.#options.offset)
    // A newer assignment (or the end of the stream) came while the offsets were looked up.
    if (generation !== this.#assignments || this.#closing !== null) return
    const positions = new Map<number, number>()
    this.#committed = new Map()
    for (const { partition, offset } of committed) {
      if (offset >= 0) this.#committed.set(partition, offset)
      positions.set(partition, offset >= 0 ? offset : reset.get(partition)!)
    }
    const sorted = new Map([...positions].sort((a, b) => a[0] - b[0]))
    this.#sendJson({ type: 'assigned', generation: member.generationId, partitions: positionList(sorted) })
    this.#stream.assign(sorted)
  }

  /** Commits the stream's positions that moved since the last commit. */
  #commitSent(): Promise<void> {
    return this.#commitPositions(this.#stream.positions, null)
  }

  async #commitPositions(positions: ReadonlyMap<number, number>, only: readonly TopicPartition[] | null): Promise<void> {
    const member = this.#member
    if (member === null) return
    const entries = [...positions]
      .filter(([partition, offset]) => this.#committed.get(partition) !== offset && (only === null || only.some((tp) => tp.partition === partition)))
      .map(([partition, offset]) => ({ topic: this.#options.topic, partition, offset }))
    if (entries.length === 0) return
    const results = await member.commit(entries)
    for (const r of results) if (r.errorCode === KafkaErrorCodes.NONE) this.#committed.set(r.partition, positions.get(r.partition)!)
  }

  #sendError(id: unknown, error: unknown): void {
    if (error instanceof ProxyError) {
      this.#sendJson({ type: 'error', id, error_code: error.errorCode, message: error.message })
      return
    }
    this.#services.logger.warn('WebSocket request failed', { session: this.id, error })
    this.#sendJson({ type: 'error', id, error_code: 500, message: `Internal error: ${error instanceof Error ? error.message : String(error)}` })
  }

  #sendJson(frame: Record<string, unknown>): void {
    this.#outbox.send(JSON.stringify(frame), false)
  }

  #end(code: number, reason: string): void {
    void this.shutdown(code, reason)
  }
}

function positionList(positions: ReadonlyMap<number, number>): Array<{ partition: number; offset: string }> {
  return [...positions].map(([partition, offset]) => ({ partition, offset: String(offset) }))
}
