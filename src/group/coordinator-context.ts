/**
 * What the parts of the group coordinator share: the classic groups in memory, the store that
 * writes to __consumer_offsets, and the coordinator's checks. GroupCoordinator builds one and
 * hands it to the parts it delegates to (transactional offsets, consumer groups, share groups),
 * so each part lives in its own file without reaching into the coordinator's private state.
 *
 * Event loop thread only.
 */
import type { Logger } from '../common/logger.js'
import type { SnapshotRecord } from './coordinator-snapshot.js'
import type { Group } from './group.js'
import type { GroupStore } from './group-store.js'

export interface CoordinatorContext {
  /** The classic groups coordinated here, by id (a consumer group's offsets live in one too). */
  readonly groups: Map<string, Group>
  readonly store: GroupStore
  readonly logger: Logger
  now(): number
  /** Kafka's group id rules and this broker's coordination: NONE, or the error to answer. */
  validateGroup(groupId: string | null, allowEmpty: boolean): number
  /** Forgets a classic group that holds nothing any more. */
  removeIfUnused(group: Group): void
}

/** The records of those of `groups` that live in __consumer_offsets partition `partition`, for its snapshot. */
export function snapshotRecordsOf<G extends { readonly groupId: string }>(
  context: CoordinatorContext,
  groups: Iterable<G>,
  partition: number,
  liveRecords: (group: G) => SnapshotRecord[],
): SnapshotRecord[] {
  const records: SnapshotRecord[] = []
  for (const group of groups) if (context.store.partitionFor(group.groupId) === partition) records.push(...liveRecords(group))
  return records
}
