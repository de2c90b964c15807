/**
 * Broker liveness through etcd, as Kafka's brokers once registered an ephemeral znode at
 * /brokers/ids/<id>: each broker puts `<prefix>/brokers/<node id>` on its session lease, so the
 * key exists exactly while the broker keeps its session, and everyone watches the prefix.
 *
 * Value (JSON): {"nodeId":2,"endpoints":[{"name":"PLAINTEXT","host":"h","port":9092,
 * "securityProtocol":"PLAINTEXT"}],"rack":null,"incarnationId":"<uuid>"}. The incarnation id is
 * new for every registration, so the controller can tell a restarted broker from a live one
 * (Kafka's KRaft uses the same idea for the same reason).
 *
 * Rules:
 * - A node id held by a live registration of another incarnation is refused (SAMSA_CLUSTER): two
 *   brokers with one node.id would each think they own the other's replicas. A registration left
 *   by this same object's earlier incarnation is replaced, since it is ours.
 * - Losing the lease (see session-lease.ts) is reported to onLeaseLost listeners at once; the
 *   broker must then stop acting as leader and call register() again, which makes a new
 *   incarnation on a new lease.
 */
import { ErrorCodes, SamsaError } from '../common/errors.js'
import { randomUuid } from '../common/uuid.js'
import type { EtcdConnection, KeyValue } from './etcd-connection.js'
import { type LeaseLossReason, SessionLease } from './session-lease.js'
import { type RangeChange, WatchedRange } from './watched-range.js'

export interface BrokerEndpoint {
  readonly name: string
  readonly host: string
  readonly port: number
  readonly securityProtocol: string
}

export interface BrokerRegistration {
  readonly nodeId: number
  readonly endpoints: readonly BrokerEndpoint[]
  readonly rack: string | null
  readonly incarnationId: string
}

export interface BrokerRegistryOptions {
  readonly nodeId: number
  readonly endpoints: readonly BrokerEndpoint[]
  readonly rack?: string | null
  /** broker.session.timeout.ms: the lease TTL (rounded up to whole seconds). Kafka's default 9000. */
  readonly sessionTimeoutMs?: number
}

export interface BrokerChange {
  readonly type: 'joined' | 'left' | 'updated'
  readonly nodeId: number
  /** The registration now (joined, updated) or the one that went away (left). */
  readonly registration: BrokerRegistration
}

export const DEFAULT_SESSION_TIMEOUT_MS = 9000

export class BrokerRegistry {
  readonly nodeId: number
  readonly sessionTimeoutMs: number
  readonly #connection: EtcdConnection
  #options: BrokerRegistryOptions
  readonly #view: WatchedRange
  readonly #brokersPrefix: string
  readonly #ourIncarnations = new Set<string>()
  readonly #lostListeners = new Set<(reason: LeaseLossReason) => void>()
  readonly #registeredListeners = new Set<(registration: BrokerRegistration) => void>()
  #lease: SessionLease | undefined
  #registration: BrokerRegistration | undefined

  constructor(connection: EtcdConnection, options: BrokerRegistryOptions) {
    if (!Number.isInteger(options.nodeId) || options.nodeId < 0) {
      throw new SamsaError(ErrorCodes.CONFIG, `node.id must be a non-negative integer to register in etcd, got ${options.nodeId}`)
    }
    this.#connection = connection
    this.#options = options
    this.nodeId = options.nodeId
    this.sessionTimeoutMs = options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS
    this.#brokersPrefix = connection.key('brokers') + '/'
    this.#view = new WatchedRange(connection, { prefix: this.#brokersPrefix })
  }

  /** The endpoints the next registration carries (a broker knows its bound ports only after listening). */
  setEndpoints(endpoints: readonly BrokerEndpoint[]): void {
    this.#options = { ...this.#options, endpoints }
  }

  /** Reads the live brokers and starts watching them (no registration yet). */
  async start(): Promise<void> {
    await this.#view.start()
  }

  /**
   * Registers this broker with a new incarnation on a new lease. Refuses (SAMSA_CLUSTER) when a
   * live broker of another incarnation holds the node id; with `waitMs`, first waits up to that
   * long for such a registration to go away (a previous run killed less than a session ago).
   */
  async register(options: { readonly waitMs?: number } = {}): Promise<BrokerRegistration> {
    if (this.isRegistered()) return this.#registration!
    const key = this.#connection.key('brokers', this.nodeId)
    const registration: BrokerRegistration = {
      nodeId: this.nodeId,
      endpoints: this.#options.endpoints,
      rack: this.#options.rack ?? null,
      incarnationId: randomUuid(),
    }
    const lease = await SessionLease.grant(this.#connection, this.sessionTimeoutMs)
    try {
      const value = JSON.stringify(registration)
      const put = { op: 'put', key, value, lease: lease.id } as const
      let result = await this.#connection.txn([{ key, target: 'create', result: '=', value: 0 }], [put], [{ op: 'get', key }])
      let existing = result.succeeded ? undefined : result.reads[0]?.[0]
      if (existing !== undefined && (options.waitMs ?? 0) > 0 && !this.#isOurs(existing)) {
        await this.#view.waitFor(() => this.#view.get(key) === undefined, options.waitMs!, `node ${this.nodeId}'s previous registration to expire`).catch(() => {})
        result = await this.#connection.txn([{ key, target: 'create', result: '=', value: 0 }], [put], [{ op: 'get', key }])
        existing = result.succeeded ? undefined : result.reads[0]?.[0]
      }
      if (existing !== undefined) {
        if (!this.#isOurs(existing)) throw this.#duplicate(existing)
        // Our own earlier incarnation, still in etcd because its lease has not run out yet.
        result = await this.#connection.txn([{ key, target: 'mod', result: '=', value: existing.modRevision }], [put])
        if (!result.succeeded) throw new SamsaError(ErrorCodes.CLUSTER, `node ${this.nodeId}'s registration at ${key} changed while it was being replaced; register again`)
      }
    } catch (error) {
      await lease.revoke().catch(() => {})
      throw error
    }
    this.#ourIncarnations.add(registration.incarnationId)
    this.#lease = lease
    this.#registration = registration
    lease.onLost((reason) => {
      if (this.#lease !== lease) return
      this.#registration = undefined
      for (const listener of [...this.#lostListeners]) listener(reason)
    })
    for (const listener of [...this.#registeredListeners]) listener(registration)
    return registration
  }

  /** Whether this broker is registered on a lease etcd certainly still holds. Synchronous. */
  isRegistered(): boolean {
    return this.#registration !== undefined && this.#lease?.isHeld() === true
  }

  /** The current registration, while registered. */
  get registration(): BrokerRegistration | undefined {
    return this.isRegistered() ? this.#registration : undefined
  }

  /** The current session lease (other keys of this broker, such as the controller's, go on it). */
  get lease(): SessionLease | undefined {
    return this.isRegistered() ? this.#lease : undefined
  }

  /** Called once per lost registration, as soon as the lease is lost. */
  onLeaseLost(listener: (reason: LeaseLossReason) => void): () => void {
    this.#lostListeners.add(listener)
    return () => this.#lostListeners.delete(listener)
  }

  /** Called after every successful register(). */
  onRegistered(listener: (registration: BrokerRegistration) => void): () => void {
    this.#registeredListeners.add(listener)
    return () => this.#registeredListeners.delete(listener)
  }

  /** The brokers registered now (as far as this broker's watch knows), by node id. */
  liveBrokers(): BrokerRegistration[] {
    const brokers: BrokerRegistration[] = []
    for (const kv of this.#view.values()) {
      const registration = this.#parse(kv)
      if (registration !== undefined) brokers.push(registration)
    }
    return brokers.sort((a, b) => a.nodeId - b.nodeId)
  }

  broker(nodeId: number): BrokerRegistration | undefined {
    const kv = this.#view.get(this.#connection.key('brokers', nodeId))
    return kv === undefined ? undefined : this.#parse(kv)
  }

  /** Joins, leaves and re-registrations, in etcd's order. Returns the unsubscribe function. */
  onBrokerChange(listener: (changes: readonly BrokerChange[]) => void): () => void {
    return this.#view.onChange((changes) => {
      const brokerChanges = changes.map((change) => this.#toBrokerChange(change)).filter((c) => c !== undefined)
      if (brokerChanges.length > 0) listener(brokerChanges)
    })
  }

  /** Resolves once `predicate` holds for the live brokers (checked after every change). */
  waitForBrokers(predicate: (brokers: BrokerRegistration[]) => boolean, timeoutMs: number): Promise<void> {
    return this.#view.waitFor(() => predicate(this.liveBrokers()), timeoutMs, 'the expected live brokers')
  }

  /** Controlled shutdown: revokes the lease, so the registration disappears for everyone now. */
  async deregister(): Promise<void> {
    const lease = this.#lease
    this.#lease = undefined
    this.#registration = undefined
    await lease?.revoke()
  }

  /** Stops watching. The lease is left to its owner: call deregister() first for a clean exit. */
  close(): void {
    this.#view.close()
  }

  #isOurs(kv: KeyValue): boolean {
    const existing = this.#parse(kv)
    return existing !== undefined && this.#ourIncarnations.has(existing.incarnationId)
  }

  #duplicate(kv: KeyValue): SamsaError {
    const existing = this.#parse(kv)
    const where = existing?.endpoints.map((e) => `${e.host}:${e.port}`).join(', ') || 'unknown endpoints'
    return new SamsaError(
      ErrorCodes.CLUSTER,
      `node.id ${this.nodeId} is already registered in etcd at ${kv.key} by a live broker ` +
        `(incarnation ${existing?.incarnationId ?? 'unreadable'}, listening on ${where}). Another broker is running with ` +
        `node.id=${this.nodeId}, or a previous run stopped less than broker.session.timeout.ms ago: give each broker ` +
        `its own node.id, or start again once the old registration has expired.`,
    )
  }

  #toBrokerChange(change: RangeChange): BrokerChange | undefined {
    if (change.type === 'delete') {
      const registration = change.previous === undefined ? undefined : this.#parse(change.previous)
      return registration === undefined ? undefined : { type: 'left', nodeId: registration.nodeId, registration }
    }
    const registration = this.#parse(change.current!)
    if (registration === undefined) return undefined
    return { type: change.previous === undefined ? 'joined' : 'updated', nodeId: registration.nodeId, registration }
  }

  #parse(kv: KeyValue): BrokerRegistration | undefined {
    try {
      const value = JSON.parse(kv.value) as Partial<BrokerRegistration>
      if (typeof value.nodeId === 'number' && typeof value.incarnationId === 'string' && Array.isArray(value.endpoints)) {
        return { nodeId: value.nodeId, endpoints: value.endpoints, rack: value.rack ?? null, incarnationId: value.incarnationId }
      }
    } catch {
      // Reported below, like any other malformed value.
    }
    this.#connection.logger.warn('ignoring a malformed broker registration in etcd', { key: kv.key })
    return undefined
  }
}
