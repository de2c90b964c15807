/**
 * PeerBrokers: a broker's Kafka connections to the other brokers of its cluster, for what it
 * cannot serve through its own services: the HTTP gateway's requests for a partition led
 * elsewhere or a group coordinated elsewhere, and the transaction coordinator's WriteTxnMarkers
 * to the leaders of a transaction's partitions. Addresses come from the broker's peer endpoints
 * (the registry in etcd, on the inter-broker listener, with TLS when it uses TLS), as the replica
 * fetchers' do; a request is never sent to this broker's own listener: local work goes through
 * the services.
 *
 * Two kinds of connection per peer, because a broker answers a connection's requests in order:
 * - one shared, pipelined connection for requests the peer answers at once (Produce, ListOffsets,
 *   Heartbeat, OffsetCommit, OffsetFetch, DescribeGroups, ListGroups, LeaveGroup), as a Kafka
 *   producer keeps one connection per broker;
 * - for requests the peer may park (a long-poll Fetch, JoinGroup, SyncGroup), a connection of
 *   their own, borrowed from an idle pool, so one parked request never holds back another. As
 *   many are open as requests are parked at once (a stream or consumer instance has at most one
 *   per leader); idle ones are kept for reuse up to a bound and closed after a minute unused.
 *
 * A connection that fails is dropped and the next request opens a new one. Event loop only; one
 * instance per user (the gateway has one, the transaction marker channel another), each with
 * its own client id so the peer's logs tell them apart.
 */
import type { ConnectionOptions as TlsOptions } from 'node:tls'
import type { PeerEndpoint } from './cluster-view.js'
import type { SaslCredentials } from '../client/sasl-login.js'
import { BrokerConnection } from '../client/connection.js'
import { ErrorCodes, SamsaError } from '../common/errors.js'
import type { DescribedApiKey, RequestInputOf, ResponseOf } from '../protocol/messages/index.js'

export interface PeerRequestOptions {
  /** How long the answer may take, the peer's own wait included. */
  readonly timeoutMs: number
  /** True for requests the peer may park (long-poll Fetch, JoinGroup, SyncGroup). */
  readonly parks?: boolean
  /**
   * The client id the peer should record (a group member's, which the coordinator shows in
   * DescribeGroups): the request goes on a connection opened for it and closed after.
   */
  readonly clientId?: string
}

/** Idle parking connections kept per peer; more are opened when needed and closed after use. */
const IDLE_PARKING_CONNECTIONS = 64
/** An idle parking connection unused this long is closed. */
const IDLE_TIMEOUT_MS = 60_000
/**
 * Connecting and the ApiVersions exchange that opens a connection: a peer that is paused (or
 * whose host vanished) fails fast, so a request can still try the partition's next leader
 * within its own timeout.
 */
const OPEN_TIMEOUT_MS = 3_000

interface Peer {
  readonly nodeId: number
  readonly host: string
  readonly port: number
  readonly tls: TlsOptions | null
  readonly sasl: SaslCredentials | undefined
  shared: Promise<BrokerConnection> | null
  /** Most recently used last. */
  readonly idle: Array<{ connection: BrokerConnection; since: number }>
}

export class PeerBrokers {
  readonly #nodeId: number
  readonly #endpoint: (nodeId: number) => PeerEndpoint | undefined
  readonly #clientId: string
  readonly #peers = new Map<number, Peer>()
  readonly #sweeper: NodeJS.Timeout
  #closed = false

  /** `clientId` names this user in the peers' request logs. */
  constructor(nodeId: number, endpoint: (nodeId: number) => PeerEndpoint | undefined, clientId = `samsa-gateway-${nodeId}`) {
    this.#nodeId = nodeId
    this.#endpoint = endpoint
    this.#clientId = clientId
    this.#sweeper = setInterval(() => this.#closeIdle(Date.now() - IDLE_TIMEOUT_MS), IDLE_TIMEOUT_MS / 4)
    this.#sweeper.unref()
  }

  /**
   * Sends `body` to broker `nodeId` and resolves with its answer. Rejects with SAMSA_NETWORK when
   * the broker is unknown, unreachable or drops the connection, SAMSA_TIMEOUT when the request was
   * sent and no answer came within `timeoutMs`.
   */
  async request<K extends DescribedApiKey>(nodeId: number, apiKey: K, body: RequestInputOf<K>, options: PeerRequestOptions): Promise<ResponseOf<K>> {
    const peer = this.#peer(nodeId)
    // Opening a connection counts against the request's time too.
    const openMs = Math.min(OPEN_TIMEOUT_MS, options.timeoutMs)
    if (options.clientId !== undefined) {
      const connection = await this.#open(peer, openMs, options.clientId)
      try {
        return await connection.request(apiKey, body, undefined, options.timeoutMs)
      } finally {
        connection.close()
      }
    }
    if (options.parks !== true) {
      const connection = await this.#shared(peer, openMs)
      return connection.request(apiKey, body, undefined, options.timeoutMs)
    }
    const connection = await this.#borrow(peer, openMs)
    try {
      return await connection.request(apiKey, body, undefined, options.timeoutMs)
    } finally {
      this.#giveBack(peer, connection)
    }
  }

  /** Closes every connection; requests in flight fail. */
  close(): void {
    this.#closed = true
    clearInterval(this.#sweeper)
    for (const peer of this.#peers.values()) this.#closePeer(peer)
    this.#peers.clear()
  }

  #peer(nodeId: number): Peer {
    if (this.#closed) throw new SamsaError(ErrorCodes.NETWORK, 'This broker is closing its connections to other brokers; no request goes to them any more.')
    if (nodeId === this.#nodeId) {
      // Local work goes through the services; reaching here is a bug in the caller.
      throw new SamsaError(ErrorCodes.CLUSTER, `Broker ${nodeId} is this broker: local work goes through its services, not its own listener.`)
    }
    const endpoint = this.#endpoint(nodeId)
    if (endpoint === undefined) throw new SamsaError(ErrorCodes.NETWORK, `Broker ${nodeId} is not registered in the cluster (it may be down or restarting).`)
    let peer = this.#peers.get(nodeId)
    if (peer !== undefined && (peer.host !== endpoint.host || peer.port !== endpoint.port)) {
      // The broker came back on another address.
      this.#closePeer(peer)
      peer = undefined
    }
    if (peer === undefined) {
      peer = { nodeId, host: endpoint.host, port: endpoint.port, tls: endpoint.tls, sasl: endpoint.sasl, shared: null, idle: [] }
      this.#peers.set(nodeId, peer)
    }
    return peer
  }

  async #shared(peer: Peer, openMs: number): Promise<BrokerConnection> {
    const current = peer.shared
    if (current === null) return this.#openShared(peer, null, openMs)
    try {
      const connection = await current
      if (!connection.isClosed) return connection
    } catch {
      // The open failed; open again.
    }
    return this.#openShared(peer, current, openMs)
  }

  /** Opens the shared connection, unless another caller already replaced `failed` with a new one. */
  #openShared(peer: Peer, failed: Promise<BrokerConnection> | null, openMs: number): Promise<BrokerConnection> {
    // Several callers may find the connection closed at once: the first one's open serves all.
    if (peer.shared !== null && peer.shared !== failed) return peer.shared
    const opening = this.#open(peer, openMs)
    peer.shared = opening
    opening.catch(() => {
      if (peer.shared === opening) peer.shared = null
    })
    return opening
  }

  async #borrow(peer: Peer, openMs: number): Promise<BrokerConnection> {
    while (peer.idle.length > 0) {
      const { connection } = peer.idle.pop()!
      if (!connection.isClosed) return connection
    }
    return this.#open(peer, openMs)
  }

  #giveBack(peer: Peer, connection: BrokerConnection): void {
    if (connection.isClosed) return
    if (this.#closed || peer.idle.length >= IDLE_PARKING_CONNECTIONS || this.#peers.get(peer.nodeId) !== peer) connection.close()
    else peer.idle.push({ connection, since: Date.now() })
  }

  /** Closes parking connections idle since before `before` (the oldest are first in each list). */
  #closeIdle(before: number): void {
    for (const peer of this.#peers.values()) {
      while (peer.idle.length > 0 && (peer.idle[0]!.since < before || peer.idle[0]!.connection.isClosed)) peer.idle.shift()!.connection.close()
    }
  }

  /**
   * A new connection. Any failure to open it is SAMSA_NETWORK, a timed-out ApiVersions included:
   * the caller's request was not sent, so it may safely go elsewhere (SAMSA_TIMEOUT is kept for a
   * request that was sent and got no answer).
   */
  async #open(peer: Peer, openMs: number, clientId = this.#clientId): Promise<BrokerConnection> {
    try {
      return await BrokerConnection.open({
        host: peer.host,
        port: peer.port,
        clientId,
        connectTimeoutMs: openMs,
        // Every request names its own timeout; this one bounds the opening ApiVersions.
        requestTimeoutMs: openMs,
        maxInFlightRequests: 5,
        tls: peer.tls,
        ...(peer.sasl !== undefined && { sasl: peer.sasl }),
      })
    } catch (error) {
      if (SamsaError.is(error, ErrorCodes.NETWORK)) throw error
      throw new SamsaError(ErrorCodes.NETWORK, `Cannot open a connection to broker ${peer.nodeId} at ${peer.host}:${peer.port}: ${(error as Error).message}`, { cause: error })
    }
  }

  #closePeer(peer: Peer): void {
    peer.shared?.then((c) => c.close(), () => undefined)
    peer.shared = null
    for (const { connection } of peer.idle.splice(0)) connection.close()
  }
}
