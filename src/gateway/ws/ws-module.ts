/**
 * The WebSocket streams module: `/v1/ws/topics/{topic}` (query in stream-options.ts, frames in
 * stream-session.ts) and `GET /v1/ws/stats`, each open stream's buffered amount, queue and
 * progress (for operators and for the slow-subscriber test: a client that stops reading must not
 * make the broker buffer more than about `pauseBytes` plus one frame for it).
 *
 * Limits, and why:
 * - maxBackpressure 4 MiB per socket: the most uWS buffers for a socket before it drops sends.
 *   Streams stop reading the log at a quarter of it (1 MiB) and a read is at most 256 KiB of
 *   batches, or one batch when that is larger (JSON and base64 make a frame up to about 2.5 times
 *   the batches), so a stream stays clear of the drop point and a stalled subscriber costs 1 MiB
 *   plus one frame (1.4 MB measured with 1 MB batches);
 * - a read waits up to 5 s for new records in the delayed-fetch purgatory, so an idle stream
 *   costs one parked fetch; closing the socket ends that wait at once;
 * - client messages up to http.request.max.bytes (a produce of many records), at most 64
 *   produce requests in flight per socket;
 * - idle sockets are pinged by uWS; one that answers nothing for 120 s is closed.
 *
 * The query is checked and the start positions found before the upgrade, so a bad request is an
 * HTTP error (400 bad parameter, 404 unknown topic or partition) with the REST Proxy's error
 * body, not a socket that opens and closes.
 */
import type { GatewayModule, GatewayServices } from '../gateway.js'
import { GroupCoordinators } from '../records/group-coordinator-service.js'
import { PartitionPositions } from '../records/partition-positions.js'
import { PartitionReader } from '../records/partition-reader.js'
import { ProduceRecords } from '../records/produce-records.js'
import { ProxyError, topicNotFound } from '../records/proxy-error.js'
import type { HttpServer } from '../uws.js'
import { workerPool } from '../../workers/pool.js'
import { CloseCodes } from './client-messages.js'
import { startPositions } from './start-positions.js'
import { parseStreamOptions, StreamOptionsError } from './stream-options.js'
import { type StreamLimits, StreamSession, type StreamState } from './stream-session.js'

const MAX_BACKPRESSURE = 4 * 1024 * 1024

export const defaultStreamLimits: StreamLimits = {
  maxBackpressure: MAX_BACKPRESSURE,
  pauseBytes: MAX_BACKPRESSURE / 4,
  maxQueuedFrames: 1024,
  readMaxBytes: 256 * 1024,
  maxWaitMs: 5000,
  retryBackoffMs: 1000,
  maxProducesInFlight: 64,
  autoCommitIntervalMs: 1000,
}

export function webSocketStreams(server: HttpServer, services: GatewayServices, limits: StreamLimits = defaultStreamLimits): GatewayModule {
  const { broker, logger } = services
  const pool = workerPool()
  const streamServices = {
    broker,
    logger,
    limits,
    reader: new PartitionReader({ replicas: broker.replicas, pool, fetchMaxBytes: broker.config.get('fetch.max.bytes'), remote: { nodeId: broker.nodeId, metadata: broker.metadata, peers: services.peers } }),
    producer: new ProduceRecords(broker, pool, services.peers),
    positions: new PartitionPositions(broker, services.peers),
    coordinators: new GroupCoordinators(broker, services.peers),
  }
  const sessions = new Set<StreamSession>()
  let nextId = 1

  server.webSocket<StreamState>('/v1/ws/topics/:topic', {
    maxPayloadLength: broker.config.get('http.request.max.bytes'),
    maxBackpressure: limits.maxBackpressure,
    idleTimeoutSeconds: 120,
    async upgrade(request) {
      try {
        const options = parseStreamOptions(request.params[0]!, request.query)
        if (options.group !== null) {
          if (broker.metadata.topic(options.topic) === undefined) throw topicNotFound(options.topic)
          return { options, start: null, session: null }
        }
        return { options, start: await startPositions(broker, streamServices.positions, options), session: null }
      } catch (error) {
        if (error instanceof StreamOptionsError) return { refuse: 400, message: error.message }
        if (error instanceof ProxyError) return { refuse: error.status, errorCode: error.errorCode, message: error.message }
        throw error
      }
    },
    open(socket) {
      const session = new StreamSession(nextId++, streamServices, socket)
      socket.state.session = session
      sessions.add(session)
      session.open()
    },
    message(socket, data, binary) {
      socket.state.session?.message(data, binary)
    },
    drain(socket) {
      socket.state.session?.drain()
    },
    close(socket) {
      const session = socket.state.session
      if (session === null) return
      sessions.delete(session)
      void session.shutdown()
    },
  })

  server.route('get', '/v1/ws/stats', (exchange) => {
    exchange.json(200, {
      maxBackpressure: limits.maxBackpressure,
      pauseBytes: limits.pauseBytes,
      streams: [...sessions].map((session) => session.stats),
    })
  })

  return {
    async close() {
      const open = [...sessions]
      sessions.clear()
      await Promise.all(open.map((session) => session.shutdown(CloseCodes.GOING_AWAY, 'the broker is shutting down')))
    },
  }
}
