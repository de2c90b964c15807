/**
 * One controller at a time, as Kafka's ZooKeeper-era /controller znode did it: the first broker to
 * create `<prefix>/controller` (value {"nodeId":2,"incarnationId":"..."}) on its session lease is
 * the controller, until it deletes the key (resign) or its lease ends (death, pause, isolation).
 * Everyone watches the key, so every broker knows the controller id; when the key goes, every
 * registered candidate tries to create it again and etcd lets exactly one succeed.
 *
 * Why not etcd3's Election: it keeps its own lease (60 s TTL by default, a trap noted in
 * cluster-gateway-facts.md) and its own keepalive, so a broker could lose its registration yet
 * remain controller, or the reverse. Putting the key on the broker's session lease makes
 * "controller" imply "registered", with one clock for both, and keeps the layout's one key.
 *
 * The controller epoch is the key's create revision: it grows with every election, and it is
 * what guards a controller's writes. guard() gives the compare "the controller key still has the
 * create revision I won with"; a transaction that carries it fails once this broker has been
 * deposed, even if it does not know yet (a paused controller waking up).
 */
import { ErrorCodes, SamsaError } from '../common/errors.js'
import type { BrokerRegistry } from './broker-registry.js'
import type { Compare, EtcdConnection, KeyValue } from './etcd-connection.js'
import { WatchedRange } from './watched-range.js'

export interface ControllerInfo {
  readonly nodeId: number
  readonly incarnationId: string
  /** The controller epoch: the create revision of the controller key. */
  readonly epoch: number
}

export type ResignReason = 'resigned' | 'lease-lost' | 'deposed'

export class ControllerElection {
  /** `<prefix>/controller`. */
  readonly key: string
  readonly #connection: EtcdConnection
  readonly #registry: BrokerRegistry
  readonly #view: WatchedRange
  readonly #elected = new Set<(epoch: number) => void>()
  readonly #resigned = new Set<(reason: ResignReason) => void>()
  readonly #unsubscribe: Array<() => void> = []
  #epoch: number | undefined
  #campaigning = false
  #claiming = false
  #claimAgain = false

  constructor(connection: EtcdConnection, registry: BrokerRegistry) {
    this.#connection = connection
    this.#registry = registry
    this.key = connection.key('controller')
    this.#view = new WatchedRange(connection, { key: this.key })
  }

  /**
   * Starts following the controller key and, unless `campaign` is false (an observer), competes
   * for it whenever it is free and this broker is registered.
   */
  async start(options: { readonly campaign?: boolean } = {}): Promise<void> {
    this.#unsubscribe.push(
      this.#view.onChange(() => this.#onKeyChanged()),
      this.#registry.onLeaseLost(() => this.#stepDown('lease-lost')),
      this.#registry.onRegistered(() => this.#claim()),
    )
    await this.#view.start()
    this.#campaigning = options.campaign ?? true
    this.#claim()
  }

  /** Whether this broker is the controller (as far as it can know without asking etcd). */
  isController(): boolean {
    return this.#epoch !== undefined && this.#registry.isRegistered()
  }

  /** This broker's controller epoch while it is controller. */
  get epoch(): number | undefined {
    return this.isController() ? this.#epoch : undefined
  }

  /** The current controller as this broker's watch sees it (every broker, not only candidates). */
  get controller(): ControllerInfo | undefined {
    const kv = this.#view.get(this.key)
    return kv === undefined ? undefined : this.#parse(kv)
  }

  /** Called with the epoch each time this broker becomes controller. */
  onElected(listener: (epoch: number) => void): () => void {
    this.#elected.add(listener)
    return () => this.#elected.delete(listener)
  }

  /** Called each time this broker stops being controller, with why. */
  onResigned(listener: (reason: ResignReason) => void): () => void {
    this.#resigned.add(listener)
    return () => this.#resigned.delete(listener)
  }

  /** Called whenever the controller (anyone's) changes or goes away. */
  onControllerChange(listener: (controller: ControllerInfo | undefined) => void): () => void {
    return this.#view.onChange(() => listener(this.controller))
  }

  /** Resolves once `predicate` holds for the current controller. */
  waitForController(predicate: (controller: ControllerInfo | undefined) => boolean, timeoutMs: number): Promise<void> {
    return this.#view.waitFor(() => predicate(this.controller), timeoutMs, 'the expected controller')
  }

  /**
   * The compare that makes a transaction conditional on this broker still being the controller
   * it was elected as. Throws SAMSA_CLUSTER when this broker is not controller.
   */
  guard(): Compare {
    if (!this.isController()) {
      const current = this.controller
      throw new SamsaError(
        ErrorCodes.CLUSTER,
        `broker ${this.#registry.nodeId} is not the controller (the controller is ${current === undefined ? 'not elected' : `broker ${current.nodeId}, epoch ${current.epoch}`})`,
      )
    }
    return { key: this.key, target: 'create', result: '=', value: this.#epoch! }
  }

  /**
   * Controlled shutdown: stop competing and, if controller, delete the key (only the incarnation
   * we created) so another broker takes over now rather than after the session timeout.
   */
  async resign(): Promise<void> {
    this.#campaigning = false
    const epoch = this.#epoch
    if (epoch === undefined) return
    this.#stepDown('resigned')
    await this.#connection.txn([{ key: this.key, target: 'create', result: '=', value: epoch }], [{ op: 'delete', key: this.key }])
  }

  /** Competes again after resign(). */
  campaign(): void {
    this.#campaigning = true
    this.#claim()
  }

  close(): void {
    this.#campaigning = false
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe()
    this.#view.close()
    this.#epoch = undefined
  }

  #onKeyChanged(): void {
    const kv = this.#view.get(this.key)
    // A view older than our win has not seen our key yet; that is no sign of being deposed.
    if (this.#epoch !== undefined && this.#view.revision >= this.#epoch && kv?.createRevision !== this.#epoch) this.#stepDown('deposed')
    if (kv === undefined) this.#claim()
  }

  /** Tries to create the controller key; one attempt at a time, repeated if asked meanwhile. */
  #claim(): void {
    if (this.#claiming) {
      this.#claimAgain = true
      return
    }
    const lease = this.#registry.lease
    const registration = this.#registry.registration
    if (!this.#campaigning || this.#epoch !== undefined || lease === undefined || registration === undefined) return
    if (this.#view.get(this.key) !== undefined) return
    this.#claiming = true
    const value = JSON.stringify({ nodeId: registration.nodeId, incarnationId: registration.incarnationId })
    this.#connection
      .txn([{ key: this.key, target: 'create', result: '=', value: 0 }], [{ op: 'put', key: this.key, value, lease: lease.id }])
      .then((result) => {
        if (!result.succeeded || !this.#campaigning || !lease.isHeld()) return
        // The put is the transaction's only write, so its revision is the key's create revision.
        this.#epoch = result.revision
        this.#connection.logger.info('elected controller', { nodeId: registration.nodeId, epoch: result.revision })
        for (const listener of [...this.#elected]) listener(result.revision)
        // The watch may already have shown the key gone again (lease lost right after winning).
        this.#onKeyChanged()
      })
      .catch((error: unknown) => {
        // Nothing to undo: the next change of the key or the next registration tries again.
        this.#connection.logger.warn('controller election attempt failed', { error })
      })
      .finally(() => {
        this.#claiming = false
        if (this.#claimAgain) {
          this.#claimAgain = false
          this.#claim()
        }
      })
  }

  #stepDown(reason: ResignReason): void {
    if (this.#epoch === undefined) return
    this.#connection.logger.info('no longer controller', { epoch: this.#epoch, reason })
    this.#epoch = undefined
    for (const listener of [...this.#resigned]) listener(reason)
  }

  #parse(kv: KeyValue): ControllerInfo | undefined {
    try {
      const value = JSON.parse(kv.value) as { nodeId?: unknown; incarnationId?: unknown }
      if (typeof value.nodeId === 'number' && typeof value.incarnationId === 'string') {
        return { nodeId: value.nodeId, incarnationId: value.incarnationId, epoch: kv.createRevision }
      }
    } catch {
      // Reported below.
    }
    this.#connection.logger.warn('ignoring a malformed controller key in etcd', { key: kv.key })
    return undefined
  }
}
