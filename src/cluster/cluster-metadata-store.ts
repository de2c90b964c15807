/**
 * Topics and partition state in etcd (layout in metadata-records.ts): conditional writes for the
 * controller, and a watched, synchronous, in-memory view for every broker.
 *
 * Writes. Every write is one etcd transaction whose compares are (a) the written key's mod
 * revision as the writer last saw it, or create revision 0 for a new key (no lost update: Kafka's
 * znode version check), and (b) the controller guard from ControllerElection.guard() (a deposed
 * controller's write fails). A failed compare is an expected outcome, returned as data:
 * 'stale' (someone else changed the key; the current value comes back so the caller can
 * re-decide) or 'fenced' (the guard failed: this broker is no longer the controller it was).
 * Only transport failures throw (SAMSA_ETCD).
 *
 * Topic creation and etcd's `--max-txn-ops` (128 by default, and Debian's etcd is started with
 * the default): a topic with n partitions needs n + 1 puts and n + 2 compares. Up to 126
 * partitions that is one transaction. Beyond it, the partition states are written first, in
 * transactions of up to 127 keys each, and the topic key last: the view shows a topic only once
 * its topic key exists, and by then all its partitions exist, so readers still see the creation
 * as one step. Raising etcd's limit is not needed; an etcd started with a higher one can be
 * used through EtcdConnectionOptions.maxTxnOps.
 *
 * The view watches the whole cluster prefix (see watched-range.ts: full read, watch from its
 * revision + 1, re-read after compaction). A partition change is reported only for a topic the
 * view knows, so listeners see a new topic's partitions with its 'topic-created' event and no
 * events for the partitions of a topic that is being deleted.
 */
import { randomUuid } from '../common/uuid.js'
import type { Compare, EtcdConnection, KeyValue, TxnOp } from './etcd-connection.js'
import {
  type PartitionState,
  type TopicRecord,
  classifyKey,
  encodePartition,
  encodeTopic,
  initialPartitionState,
  parsePartition,
  parseTopic,
} from './metadata-records.js'
import { type RangeChange, WatchedRange } from './watched-range.js'

export interface TopicView extends TopicRecord {
  /** Pass back to conditional writes of this topic. */
  readonly modRevision: number
}

export interface PartitionView extends PartitionState {
  readonly topicId: string
  readonly partition: number
  /** Pass back to updatePartition as the expected revision. */
  readonly modRevision: number
}

export type MetadataChange =
  | { readonly type: 'topic-created' | 'topic-updated' | 'topic-deleted'; readonly topic: TopicView }
  | { readonly type: 'partition-changed'; readonly partition: PartitionView; readonly previous: PartitionView | undefined }

export type WriteResult<T> =
  | { readonly status: 'ok'; readonly value: T; readonly revision: number }
  /** The key changed since the caller read it (or exists / does not); `current` is what it is now. */
  | { readonly status: 'stale'; readonly current: T | undefined }
  /** The controller guard failed: this broker is no longer that controller. Nothing was written. */
  | { readonly status: 'fenced' }

export class ClusterMetadataStore {
  readonly #connection: EtcdConnection
  readonly #view: WatchedRange
  readonly #topics = new Map<string, TopicView>()
  readonly #topicNames = new Map<string, string>()
  readonly #partitions = new Map<string, Map<number, PartitionView>>()
  readonly #listeners = new Set<(changes: readonly MetadataChange[], revision: number) => void>()

  constructor(connection: EtcdConnection) {
    this.#connection = connection
    this.#view = new WatchedRange(connection, { prefix: connection.prefix + '/' })
    this.#view.onChange((changes, revision) => this.#apply(changes, revision))
  }

  /** Reads every topic and partition and starts following changes. */
  async start(): Promise<void> {
    await this.#view.start()
  }

  close(): void {
    this.#view.close()
  }

  /** The revision the view has applied up to. */
  get revision(): number {
    return this.#view.revision
  }

  /** How many times the view was rebuilt from a full read (after a compaction). */
  get resyncs(): number {
    return this.#view.resyncs
  }

  topic(name: string): TopicView | undefined {
    return this.#topics.get(name)
  }

  topicById(topicId: string): TopicView | undefined {
    const name = this.#topicNames.get(topicId)
    return name === undefined ? undefined : this.#topics.get(name)
  }

  topics(): TopicView[] {
    return [...this.#topics.values()].sort((a, b) => (a.name < b.name ? -1 : 1))
  }

  partition(topicId: string, partition: number): PartitionView | undefined {
    return this.#topicNames.has(topicId) ? this.#partitions.get(topicId)?.get(partition) : undefined
  }

  partitions(topicId: string): PartitionView[] {
    if (!this.#topicNames.has(topicId)) return []
    return [...(this.#partitions.get(topicId)?.values() ?? [])].sort((a, b) => a.partition - b.partition)
  }

  /** Typed changes after every applied batch, in etcd's order. Returns the unsubscribe function. */
  onChange(listener: (changes: readonly MetadataChange[], revision: number) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Resolves once `predicate()` holds for the view (checked after every change). */
  waitFor(predicate: () => boolean, timeoutMs: number, what?: string): Promise<void> {
    return this.#view.waitFor(predicate, timeoutMs, what)
  }

  /** Resolves once the view has applied `revision` (read-your-writes after a successful write). */
  waitForRevision(revision: number, timeoutMs: number): Promise<void> {
    return this.#view.waitForRevision(revision, timeoutMs)
  }

  /**
   * Creates a topic and the first state of each partition (the preferred replica leads, the ISR is
   * every replica). 'stale' means the name is taken (`current` is the existing topic).
   */
  async createTopic(
    guard: Compare,
    topic: { readonly name: string; readonly assignment: readonly (readonly number[])[]; readonly configs?: Readonly<Record<string, string>> },
  ): Promise<WriteResult<TopicView>> {
    const record: TopicRecord = { name: topic.name, topicId: randomUuid(), assignment: topic.assignment, configs: topic.configs ?? {} }
    const topicKey = this.#connection.key('topics', topic.name)
    const partitionPuts = record.assignment.map((replicas, p): TxnOp => ({
      op: 'put',
      key: this.#connection.key('partitions', record.topicId, p),
      value: encodePartition(initialPartitionState(replicas)),
    }))
    const createIfAbsent = (op: TxnOp): Compare => ({ key: op.key, target: 'create', result: '=', value: 0 })
    const topicPut: TxnOp = { op: 'put', key: topicKey, value: encodeTopic(record) }
    const max = this.#connection.maxTxnOps
    let last: TxnOp[] = [...partitionPuts, topicPut]
    if (last.length + 1 > max) {
      // Partitions first, in chunks (see the file comment); the topic key last makes them visible.
      for (let start = 0; start < partitionPuts.length; start += max - 1) {
        const chunk = partitionPuts.slice(start, start + max - 1)
        const result = await this.#connection.txn([guard, ...chunk.map(createIfAbsent)], chunk, [{ op: 'get', key: guard.key }])
        if (!result.succeeded) return this.#guardHeld(guard, result.reads[0]) ? { status: 'stale', current: undefined } : { status: 'fenced' }
      }
      last = [topicPut]
    }
    const result = await this.#connection.txn([guard, ...last.map(createIfAbsent)], last, [
      { op: 'get', key: guard.key },
      { op: 'get', key: topicKey },
    ])
    if (!result.succeeded) return this.#failure(guard, result.reads, (kv) => this.#topicView(topic.name, kv))
    return { status: 'ok', value: { ...record, modRevision: result.revision }, revision: result.revision }
  }

  /**
   * Replaces a topic's assignment or configs if it is still at `expectedModRevision` (its id and
   * name never change).
   */
  async updateTopic(guard: Compare, current: TopicView, change: Partial<Pick<TopicRecord, 'assignment' | 'configs'>>): Promise<WriteResult<TopicView>> {
    const record: TopicRecord = { ...current, ...change }
    const key = this.#connection.key('topics', current.name)
    const result = await this.#connection.txn(
      [guard, { key, target: 'mod', result: '=', value: current.modRevision }],
      [{ op: 'put', key, value: encodeTopic(record) }],
      [{ op: 'get', key: guard.key }, { op: 'get', key }],
    )
    if (!result.succeeded) return this.#failure(guard, result.reads, (kv) => this.#topicView(current.name, kv))
    return { status: 'ok', value: { ...record, modRevision: result.revision }, revision: result.revision }
  }

  /**
   * Adds partitions to a topic still at its `modRevision`: the longer assignment and the first
   * state of each new partition, in one transaction (CreatePartitions never adds more than the
   * transaction limit allows at once: the caller checks the count).
   */
  async addPartitions(guard: Compare, current: TopicView, added: readonly (readonly number[])[]): Promise<WriteResult<TopicView>> {
    const record: TopicRecord = { ...current, assignment: [...current.assignment, ...added] }
    const key = this.#connection.key('topics', current.name)
    const first = current.assignment.length
    const puts: TxnOp[] = added.map((replicas, i) => ({
      op: 'put',
      key: this.#connection.key('partitions', current.topicId, first + i),
      value: encodePartition(initialPartitionState(replicas)),
    }))
    const result = await this.#connection.txn(
      [guard, { key, target: 'mod', result: '=', value: current.modRevision }],
      [...puts, { op: 'put', key, value: encodeTopic(record) }],
      [{ op: 'get', key: guard.key }, { op: 'get', key }],
    )
    if (!result.succeeded) return this.#failure(guard, result.reads, (kv) => this.#topicView(current.name, kv))
    return { status: 'ok', value: { ...record, modRevision: result.revision }, revision: result.revision }
  }

  /** Deletes a topic and every partition state of it in one transaction. */
  async deleteTopic(guard: Compare, current: TopicView): Promise<WriteResult<TopicView>> {
    const key = this.#connection.key('topics', current.name)
    const result = await this.#connection.txn(
      [guard, { key, target: 'mod', result: '=', value: current.modRevision }],
      [{ op: 'delete', key }, { op: 'delete', key: this.#connection.key('partitions', current.topicId) + '/', prefix: true }],
      [{ op: 'get', key: guard.key }, { op: 'get', key }],
    )
    if (!result.succeeded) return this.#failure(guard, result.reads, (kv) => this.#topicView(current.name, kv))
    return { status: 'ok', value: current, revision: result.revision }
  }

  /**
   * Writes a partition's new state if the key is still at `expectedModRevision` (the modRevision
   * of the PartitionView the decision was based on). The caller bumps the epochs. With `topic`
   * (a reassignment changed the replicas) the topic's assignment for the partition becomes the
   * new replica list in the same transaction, if the topic is still at its `modRevision`, so
   * describe and placement never see a replica set the partition does not have.
   */
  async updatePartition(
    guard: Compare,
    topicId: string,
    partition: number,
    state: PartitionState,
    expectedModRevision: number,
    topic?: TopicView,
  ): Promise<WriteResult<PartitionView>> {
    const key = this.#connection.key('partitions', topicId, partition)
    const compares: Compare[] = [guard, { key, target: 'mod', result: '=', value: expectedModRevision }]
    const puts: TxnOp[] = [{ op: 'put', key, value: encodePartition(state) }]
    if (topic !== undefined) {
      const topicKey = this.#connection.key('topics', topic.name)
      const assignment = topic.assignment.map((replicas, p) => (p === partition ? [...state.replicas] : replicas))
      compares.push({ key: topicKey, target: 'mod', result: '=', value: topic.modRevision })
      puts.push({ op: 'put', key: topicKey, value: encodeTopic({ ...topic, assignment }) })
    }
    const result = await this.#connection.txn(compares, puts, [{ op: 'get', key: guard.key }, { op: 'get', key }])
    if (!result.succeeded) return this.#failure(guard, result.reads, (kv) => this.#partitionView(topicId, partition, kv))
    const value = { ...state, topicId, partition, modRevision: result.revision }
    return { status: 'ok', value, revision: result.revision }
  }

  /** Applies a batch of raw key changes to the typed maps, then tells the listeners what changed. */
  #apply(changes: readonly RangeChange[], revision: number): void {
    const out: MetadataChange[] = []
    for (const change of changes) {
      const what = classifyKey(this.#connection.prefix, change.key)
      if (what?.kind === 'topic') {
        const previous = this.#topics.get(what.name)
        const topic = change.current === undefined ? undefined : this.#topicView(what.name, change.current)
        if (previous !== undefined) this.#topicNames.delete(previous.topicId)
        if (topic === undefined) {
          this.#topics.delete(what.name)
          if (previous !== undefined) {
            this.#partitions.delete(previous.topicId)
            out.push({ type: 'topic-deleted', topic: previous })
          }
        } else {
          this.#topics.set(what.name, topic)
          this.#topicNames.set(topic.topicId, what.name)
          out.push({ type: previous === undefined ? 'topic-created' : 'topic-updated', topic })
        }
      } else if (what?.kind === 'partition') {
        let byIndex = this.#partitions.get(what.topicId)
        const previous = byIndex?.get(what.partition)
        const state = change.current === undefined ? undefined : this.#partitionView(what.topicId, what.partition, change.current)
        if (state === undefined) {
          byIndex?.delete(what.partition)
          continue
        }
        if (byIndex === undefined) this.#partitions.set(what.topicId, (byIndex = new Map()))
        byIndex.set(what.partition, state)
        if (this.#topicNames.has(what.topicId)) out.push({ type: 'partition-changed', partition: state, previous })
      }
    }
    if (out.length === 0) return
    for (const listener of [...this.#listeners]) {
      try {
        listener(out, revision)
      } catch (error) {
        this.#connection.logger.error('metadata listener threw', { error })
      }
    }
  }

  #topicView(name: string, kv: KeyValue): TopicView | undefined {
    const record = parseTopic(name, kv.value)
    if (record === undefined) this.#connection.logger.warn('ignoring a malformed topic record in etcd', { key: kv.key })
    return record === undefined ? undefined : { ...record, modRevision: kv.modRevision }
  }

  #partitionView(topicId: string, partition: number, kv: KeyValue): PartitionView | undefined {
    const state = parsePartition(kv.value)
    if (state === undefined) this.#connection.logger.warn('ignoring a malformed partition state in etcd', { key: kv.key })
    return state === undefined ? undefined : { ...state, topicId, partition, modRevision: kv.modRevision }
  }

  #guardHeld(guard: Compare, controller: readonly KeyValue[] | undefined): boolean {
    return controller?.[0]?.createRevision === guard.value
  }

  /** Tells a failed guard from a stale key, using the failure branch's two reads. */
  #failure<T>(guard: Compare, reads: ReadonlyArray<readonly KeyValue[]>, view: (kv: KeyValue) => T | undefined): WriteResult<T> {
    if (!this.#guardHeld(guard, reads[0])) return { status: 'fenced' }
    const kv = reads[1]?.[0]
    return { status: 'stale', current: kv === undefined ? undefined : view(kv) }
  }
}
