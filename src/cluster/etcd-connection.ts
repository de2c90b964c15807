/**
 * The one door to etcd: the only file in Samsa that imports the etcd client (npm `etcd3`).
 * Everything else in src/cluster speaks in the small vocabulary defined here (KeyValue, Compare,
 * TxnOp, WatchEvent), so the client could be replaced (for example by the Rust `etcd-client`
 * crate behind the addon) without touching the registry, the election or the metadata store.
 *
 * What this layer adds to the client:
 * - every unary call has a deadline: each attempt gets `attemptTimeoutMs` (the client retries a
 *   recoverable failure on another endpoint up to three times), and the caller's whole call gets
 *   `callTimeoutMs`; a call into a paused etcd member otherwise hangs forever;
 * - errors become SamsaError with code SAMSA_ETCD and a message that names the endpoints and
 *   the operation ("cannot reach etcd at http://127.0.0.1:2379 (reading the cluster id): ..."),
 *   so `samsa start --etcd` with a dead etcd fails at once and says why;
 * - revisions are plain numbers: etcd's int64 revisions grow by one per write, so 2^53 is out of
 *   reach, and numbers keep the JSON and the comparisons simple;
 * - watches report a break (disconnect, compaction, cancel) instead of reconnecting on their own:
 *   the client's own reconnect resumes from the response header's revision, which can skip
 *   events after a partial catch-up batch, so src/cluster/watched-range.ts resumes from the last
 *   revision it applied instead.
 *
 * Thread-safety: one instance per broker (or per test client); nothing here is module-global, so
 * two brokers in one process use two connections.
 */
import { Etcd3, type ICompare, type IKeyValue, type IRequestOp, type IWatchResponse } from 'etcd3'
import { ErrorCodes, SamsaError } from '../common/errors.js'
import { type Logger, createLogger } from '../common/logger.js'

export interface EtcdConnectionOptions {
  /** Client URLs of the etcd members, e.g. ['http://127.0.0.1:2379']. */
  readonly endpoints: readonly string[]
  /** Every key of this cluster lives under this prefix; one etcd can hold several clusters. */
  readonly prefix?: string
  /** Deadline for one logical call, retries included (default 5000 ms). */
  readonly callTimeoutMs?: number
  /**
   * etcd's `--max-txn-ops` (default 128): the most compares, or operations in one branch, that a
   * transaction may carry. Multi-key writes are split to fit it.
   */
  readonly maxTxnOps?: number
  readonly logger?: Logger
}

export const DEFAULT_PREFIX = '/samsa'
const DEFAULT_CALL_TIMEOUT_MS = 5000
const DEFAULT_MAX_TXN_OPS = 128

/** A key and its value as this layer hands them out: strings and numbers, no client types. */
export interface KeyValue {
  readonly key: string
  readonly value: string
  /** Revision of the write that created this incarnation of the key. */
  readonly createRevision: number
  /** Revision of the last write to the key. */
  readonly modRevision: number
  readonly version: number
  /** The lease the key is attached to ('0' when none). */
  readonly lease: string
}

/** One comparison of a transaction; `value` is a revision or version, or the value text. */
export interface Compare {
  readonly key: string
  readonly target: 'create' | 'mod' | 'version' | 'value' | 'lease'
  readonly result: '=' | '!=' | '<' | '>'
  readonly value: number | string
}

export type TxnOp =
  | { readonly op: 'put'; readonly key: string; readonly value: string; readonly lease?: string }
  | { readonly op: 'delete'; readonly key: string; readonly prefix?: boolean }
  | { readonly op: 'get'; readonly key: string; readonly prefix?: boolean }

export interface TxnResult {
  /** Whether every compare held (and so the success branch ran). */
  readonly succeeded: boolean
  /** The store's revision after the transaction (the revision of its writes, if any). */
  readonly revision: number
  /** What each 'get' op of the branch that ran found, in the order of those ops. */
  readonly reads: ReadonlyArray<readonly KeyValue[]>
}

export interface WatchEvent {
  readonly type: 'put' | 'delete'
  /** For a delete: the key, with modRevision set to the deleting revision and an empty value. */
  readonly kv: KeyValue
}

/**
 * Why a watch ended. 'canceled' covers etcd cancelling it, which etcd 3.4 also does (with an
 * empty reason) when the start revision has been compacted; 'compacted' when the reason says so.
 */
export type WatchBreak = 'compacted' | 'disconnected' | 'canceled'

export interface WatchHandlers {
  /** One call per watch response: events of whole revisions, in revision order. */
  onEvents(events: readonly WatchEvent[]): void
  /** etcd accepted the watch (after which a break is no longer a startup failure). */
  onConnected?(): void
  /** The watch is over (called at most once); the owner decides how to resume. */
  onBroken(reason: WatchBreak, error: Error): void
}

export interface WatchHandle {
  cancel(): void
}

const compareResults = { '=': 'Equal', '!=': 'NotEqual', '<': 'Less', '>': 'Greater' } as const
const compareTargets = { create: 'Create', mod: 'Mod', version: 'Version', value: 'Value', lease: 'Lease' } as const

export class EtcdConnection {
  readonly endpoints: readonly string[]
  readonly prefix: string
  readonly callTimeoutMs: number
  readonly maxTxnOps: number
  readonly logger: Logger
  readonly #client: Etcd3
  readonly #closeHooks = new Set<() => void>()
  #closed = false

  private constructor(options: EtcdConnectionOptions, endpoints: string[]) {
    this.endpoints = endpoints
    this.prefix = normalizePrefix(options.prefix ?? DEFAULT_PREFIX)
    this.callTimeoutMs = options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS
    this.maxTxnOps = options.maxTxnOps ?? DEFAULT_MAX_TXN_OPS
    this.logger = options.logger ?? createLogger('cluster', 'warn')
    // Half the call's deadline per attempt, so a hung member still leaves time for a retry on
    // another one within the caller's deadline.
    const attemptTimeoutMs = Math.max(250, Math.floor(this.callTimeoutMs / 2))
    this.#client = new Etcd3({
      // An array, never a comma-joined string: a joined string fails name resolution and the
      // client's watches then retry silently forever.
      hosts: endpoints,
      dialTimeout: attemptTimeoutMs,
      // Streams (watches, keepalives) must not carry the unary deadline or they would end after it.
      defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + attemptTimeoutMs }),
    })
  }

  /**
   * Creates the client and proves etcd answers (one read of the cluster prefix), so a wrong
   * address or a dead etcd is reported here rather than at the first registration.
   */
  static async connect(options: EtcdConnectionOptions): Promise<EtcdConnection> {
    const endpoints = validateEndpoints(options.endpoints)
    const connection = new EtcdConnection(options, endpoints)
    try {
      await connection.get(connection.key('cluster-id'))
    } catch (error) {
      await connection.close()
      throw error
    }
    return connection
  }

  /** `<prefix>/<parts joined by '/'>`. */
  key(...parts: ReadonlyArray<string | number>): string {
    return `${this.prefix}/${parts.join('/')}`
  }

  get closed(): boolean {
    return this.#closed
  }

  /** Runs `hook` once when close() is called; returns a function that unregisters it. */
  onClose(hook: () => void): () => void {
    this.#closeHooks.add(hook)
    return () => this.#closeHooks.delete(hook)
  }

  async get(key: string): Promise<KeyValue | undefined> {
    const response = await this.#run(`reading ${key}`, () => this.#client.kv.range({ key: Buffer.from(key) }))
    return response.kvs.length === 0 ? undefined : toKeyValue(response.kvs[0]!)
  }

  /**
   * Every key under `prefix` at one revision (a single range call, so the snapshot is
   * consistent). Cluster metadata is small (thousands of keys), so no paging.
   */
  async range(prefix: string): Promise<{ kvs: KeyValue[]; revision: number }> {
    const response = await this.#run(`reading ${prefix}*`, () =>
      this.#client.kv.range({ key: Buffer.from(prefix), range_end: prefixEnd(prefix) }),
    )
    return { kvs: response.kvs.map(toKeyValue), revision: Number(response.header.revision) }
  }

  /**
   * One transaction: if every compare holds, the success ops run, else the failure ops. Callers
   * keep each list within maxTxnOps (etcd refuses larger ones with "too many operations").
   */
  async txn(compares: readonly Compare[], success: readonly TxnOp[], failure: readonly TxnOp[] = []): Promise<TxnResult> {
    const response = await this.#run('committing a transaction', () =>
      this.#client.kv.txn({ compare: compares.map(toCompare), success: success.map(toRequestOp), failure: failure.map(toRequestOp) }),
    )
    const reads: KeyValue[][] = []
    for (const op of response.responses ?? []) {
      if (op.response_range !== undefined && op.response_range !== null) reads.push(op.response_range.kvs.map(toKeyValue))
    }
    return { succeeded: response.succeeded, revision: Number(response.header.revision), reads }
  }

  /** Grants a lease of `ttlSeconds` (etcd's unit; at least 1) and returns its id. */
  async grantLease(ttlSeconds: number): Promise<string> {
    const response = await this.#run(`granting a ${ttlSeconds} s lease`, () =>
      this.#client.leaseClient.leaseGrant({ TTL: ttlSeconds }),
    )
    return String(response.ID)
  }

  /**
   * One keepalive for `leaseId` on a short-lived stream; resolves with the TTL etcd granted from
   * now, in seconds, or 0 when the lease no longer exists.
   */
  async keepAliveOnce(leaseId: string): Promise<number> {
    return this.#run(`keeping lease ${leaseId} alive`, async () => {
      const stream = await this.#client.leaseClient.leaseKeepAlive({ deadline: Date.now() + this.callTimeoutMs })
      try {
        return await new Promise<number>((resolve, reject) => {
          stream.on('data', (response: { TTL: string }) => resolve(Number(response.TTL)))
          stream.on('error', reject)
          stream.write({ ID: leaseId })
        })
      } finally {
        stream.end()
      }
    })
  }

  /** Revokes the lease: etcd deletes every key attached to it at once. */
  async revokeLease(leaseId: string): Promise<void> {
    await this.#run(`revoking lease ${leaseId}`, () => this.#client.leaseClient.leaseRevoke({ ID: leaseId }))
  }

  /** Discards history before `revision` (operators and tests; watches older than it break). */
  async compact(revision: number): Promise<void> {
    await this.#run(`compacting to revision ${revision}`, () =>
      this.#client.kv.compact({ revision: String(revision), physical: true }),
    )
  }

  /**
   * Watches `key` (or every key under `prefix`) from `fromRevision` on. Events arrive in
   * revision order; any break ends the watch and is reported once through onBroken.
   */
  watch(range: { readonly key: string } | { readonly prefix: string }, fromRevision: number, handlers: WatchHandlers): WatchHandle {
    const builder = this.#client.watch()
    if ('prefix' in range) builder.prefix(range.prefix)
    else builder.key(range.key)
    const watcher = builder.startRevision(String(fromRevision)).watcher()
    let done = false
    const stop = (): void => {
      done = true
      watcher.removeAllListeners()
      // Late errors from the client after our cancel are expected and must not throw.
      watcher.on('error', () => {})
      watcher.cancel().catch(() => {})
    }
    const broken = (reason: WatchBreak, error: Error): void => {
      if (done) return
      stop()
      handlers.onBroken(reason, error)
    }
    watcher.on('data', (response: IWatchResponse) => {
      if (done || response.events.length === 0) return
      handlers.onEvents(
        response.events.map((event) => ({ type: String(event.type).toUpperCase() === 'DELETE' ? 'delete' : 'put', kv: toKeyValue(event.kv) })),
      )
    })
    watcher.on('connected', () => {
      if (!done) handlers.onConnected?.()
    })
    watcher.on('disconnected', (error: Error) => broken('disconnected', error))
    watcher.on('error', (error: Error) => broken(/compacted/i.test(error.message) ? 'compacted' : 'canceled', error))
    return {
      cancel: () => {
        if (!done) stop()
      },
    }
  }

  /** Closes the client; later calls fail with SAMSA_ETCD. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    for (const hook of [...this.#closeHooks]) hook()
    this.#closeHooks.clear()
    this.#client.close()
  }

  /**
   * Runs one client call under the caller's deadline and turns any failure into a SamsaError
   * that names the endpoints and what was being done.
   */
  async #run<T>(what: string, call: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new SamsaError(ErrorCodes.ETCD, `etcd connection to ${this.endpoints.join(', ')} is closed (${what})`)
    let timer: NodeJS.Timeout | undefined
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new SamsaError(ErrorCodes.ETCD, `cannot reach etcd at ${this.endpoints.join(', ')} (${what}): no answer within ${this.callTimeoutMs} ms`)),
        this.callTimeoutMs,
      )
    })
    try {
      return await Promise.race([call(), deadline])
    } catch (error) {
      if (SamsaError.is(error)) throw error
      throw this.#describe(what, error)
    } finally {
      clearTimeout(timer)
    }
  }

  #describe(what: string, error: unknown): SamsaError {
    const detail = error instanceof Error ? error.message : String(error)
    // Transport failures (refused, unresolvable, deadline) mean etcd was not reached; anything
    // else is etcd answering with a refusal, which deserves a different first word.
    const unreachable = /unavailable|deadline|connect|ECONNREFUSED|ENOTFOUND|No connection|circuit/i.test(detail)
    const lead = unreachable ? `cannot reach etcd at ${this.endpoints.join(', ')}` : `etcd at ${this.endpoints.join(', ')} refused`
    return new SamsaError(ErrorCodes.ETCD, `${lead} (${what}): ${detail}`, { cause: error })
  }
}

function validateEndpoints(endpoints: readonly string[]): string[] {
  if (endpoints.length === 0) throw new SamsaError(ErrorCodes.CONFIG, 'etcd.endpoints is empty: give at least one etcd client URL, e.g. http://127.0.0.1:2379')
  return endpoints.map((endpoint) => {
    let url: URL
    try {
      url = new URL(endpoint)
    } catch {
      throw new SamsaError(ErrorCodes.CONFIG, `etcd endpoint '${endpoint}' is not a URL: write it as http://host:port`)
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new SamsaError(ErrorCodes.CONFIG, `etcd endpoint '${endpoint}' must use http:// or https://`)
    }
    return `${url.protocol}//${url.host}`
  })
}

function normalizePrefix(prefix: string): string {
  const trimmed = prefix.replace(/\/+$/, '')
  if (!trimmed.startsWith('/') || trimmed.length < 2) {
    throw new SamsaError(ErrorCodes.CONFIG, `etcd key prefix '${prefix}' must start with '/' and name something, e.g. /samsa`)
  }
  return trimmed
}

/** The range end that selects every key starting with `prefix` (etcd's "prefix + 1"). */
function prefixEnd(prefix: string): Buffer {
  const end = Buffer.from(prefix)
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i] = end[i]! + 1
      return end.subarray(0, i + 1)
    }
  }
  return Buffer.from([0])
}

function toKeyValue(kv: IKeyValue): KeyValue {
  return {
    key: kv.key.toString(),
    value: kv.value.toString(),
    createRevision: Number(kv.create_revision),
    modRevision: Number(kv.mod_revision),
    version: Number(kv.version),
    lease: String(kv.lease ?? '0'),
  }
}

function toCompare(compare: Compare): ICompare {
  const base: ICompare = { key: Buffer.from(compare.key), target: compareTargets[compare.target], result: compareResults[compare.result] }
  switch (compare.target) {
    case 'create': return { ...base, create_revision: compare.value }
    case 'mod': return { ...base, mod_revision: compare.value }
    case 'version': return { ...base, version: compare.value }
    case 'lease': return { ...base, lease: compare.value }
    case 'value': return { ...base, value: Buffer.from(String(compare.value)) }
  }
}

function toRequestOp(op: TxnOp): IRequestOp {
  const key = Buffer.from(op.key)
  switch (op.op) {
    case 'put':
      return { request_put: { key, value: Buffer.from(op.value), ...(op.lease === undefined ? {} : { lease: op.lease }) } }
    case 'delete':
      return { request_delete_range: { key, ...(op.prefix === true ? { range_end: prefixEnd(op.key) } : {}) } }
    case 'get':
      return { request_range: { key, ...(op.prefix === true ? { range_end: prefixEnd(op.key) } : {}) } }
  }
}
