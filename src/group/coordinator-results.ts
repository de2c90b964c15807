/**
 * What the group coordinator is asked and what it answers, independent of any wire version:
 * handlers in src/broker/handlers translate each Kafka request version to these and back.
 * Error fields hold Kafka's numeric error codes (src/protocol/error-codes.ts).
 */
import { KafkaErrorCodes } from '../protocol/error-codes.js'

export interface JoinGroupParams {
  readonly groupId: string
  /** "" for a member joining for the first time. */
  readonly memberId: string
  readonly groupInstanceId: string | null
  /** JoinGroup v4+: a member without id is first answered MEMBER_ID_REQUIRED. */
  readonly requireKnownMemberId: boolean
  /** JoinGroup v9+: a static leader that rejoins may be told to skip the assignment. */
  readonly supportSkippingAssignment: boolean
  readonly clientId: string
  readonly clientHost: string
  readonly rebalanceTimeoutMs: number
  readonly sessionTimeoutMs: number
  readonly protocolType: string
  readonly protocols: ReadonlyArray<{ name: string; metadata: Uint8Array }>
  readonly reason: string | null
}

export interface JoinGroupMember {
  readonly memberId: string
  readonly groupInstanceId: string | null
  readonly metadata: Buffer
}

export interface JoinGroupResult {
  readonly errorCode: number
  readonly generationId: number
  readonly protocolType: string | null
  readonly protocolName: string | null
  readonly leader: string
  readonly skipAssignment: boolean
  readonly memberId: string
  /** Every member's metadata for the chosen protocol; only the leader gets it. */
  readonly members: readonly JoinGroupMember[]
}

export interface SyncGroupParams {
  readonly groupId: string
  readonly generationId: number
  readonly memberId: string
  readonly groupInstanceId: string | null
  /** SyncGroup v5+; null before. */
  readonly protocolType: string | null
  readonly protocolName: string | null
  /** The leader's assignment; empty from followers. */
  readonly assignments: ReadonlyArray<{ memberId: string; assignment: Uint8Array }>
}

export interface SyncGroupResult {
  readonly errorCode: number
  readonly protocolType: string | null
  readonly protocolName: string | null
  readonly assignment: Buffer
}

export interface HeartbeatParams {
  readonly groupId: string
  readonly generationId: number
  readonly memberId: string
  readonly groupInstanceId: string | null
}

export interface LeavingMember {
  readonly memberId: string
  readonly groupInstanceId: string | null
  readonly reason?: string | null
}

export interface LeaveGroupResult {
  /** A group-level error (the coordinator is unavailable); NONE otherwise. */
  readonly errorCode: number
  readonly members: ReadonlyArray<LeavingMember & { readonly errorCode: number }>
}

export interface OffsetCommitEntry {
  readonly topic: string
  readonly partition: number
  readonly offset: number
  readonly leaderEpoch: number
  readonly metadata: string | null
}

export interface OffsetCommitParams {
  readonly groupId: string
  /** -1 for commits from outside group management (admin tools, simple consumers). */
  readonly generationId: number
  readonly memberId: string
  readonly groupInstanceId: string | null
  readonly offsets: readonly OffsetCommitEntry[]
  /**
   * What a commit with a generation gets when the group does not exist: OffsetCommit v9+ says
   * GROUP_ID_NOT_FOUND; older versions ILLEGAL_GENERATION (what their clients expect). Default
   * ILLEGAL_GENERATION.
   */
  readonly missingGroupError?: number
  /** The OffsetCommit version (a KIP-848 member must commit with v9+); -1 when not from the wire. */
  readonly apiVersion?: number
}

/**
 * TxnOffsetCommit: offsets a transactional producer commits for a group inside its transaction.
 * From v3 (KIP-447) the consumer's generation, member id and instance id come along and are
 * checked as OffsetCommit checks them; before v3 they are -1, "" and null and nothing is checked.
 */
export interface TxnOffsetCommitParams {
  readonly groupId: string
  readonly transactionalId: string
  readonly producerId: number
  readonly producerEpoch: number
  readonly generationId: number
  readonly memberId: string
  readonly groupInstanceId: string | null
  readonly offsets: readonly OffsetCommitEntry[]
}

/** A committed offset as OffsetFetch reports it; offset -1 means none. */
export interface CommittedOffset {
  readonly offset: number
  readonly leaderEpoch: number
  readonly metadata: string
  readonly commitTimestamp: number
  /**
   * Where in __consumer_offsets the record of this commit is (memory only, never on the wire).
   * When a transactional and a plain commit of one partition race, the one written later in the
   * log wins, whenever its transaction commits (Kafka's CommitRecordMetadataAndOffset.olderThan).
   * Absent for offsets read from a coordinator snapshot: older than anything after it.
   */
  readonly recordOffset?: number
}

export interface OffsetFetchTopicResult {
  readonly name: string
  readonly partitions: ReadonlyArray<{ partitionIndex: number; committed: CommittedOffset; errorCode: number }>
}

export interface OffsetFetchResult {
  readonly errorCode: number
  readonly topics: readonly OffsetFetchTopicResult[]
}

export interface GroupListing {
  readonly groupId: string
  readonly protocolType: string
  readonly state: string
  readonly type: string
}

export interface MemberDescription {
  readonly memberId: string
  readonly groupInstanceId: string | null
  readonly clientId: string
  readonly clientHost: string
  readonly metadata: Buffer
  readonly assignment: Buffer
}

export interface GroupDescription {
  readonly errorCode: number
  /** DescribeGroups v6+: why the group could not be described. */
  readonly errorMessage?: string | null
  readonly groupId: string
  readonly state: string
  readonly protocolType: string
  readonly protocolData: string
  readonly members: readonly MemberDescription[]
}

export interface OffsetDeleteResult {
  readonly errorCode: number
  readonly topics: ReadonlyArray<{ name: string; partitions: ReadonlyArray<{ partitionIndex: number; errorCode: number }> }>
}

/**
 * DescribeGroups' answer for a group it cannot describe as a classic group (none, a KIP-848
 * consumer group, a share group): Dead with no error before v6, as Kafka answered; from v6
 * (KIP-1043) also GROUP_ID_NOT_FOUND and Kafka's message, so an admin client says why at once.
 */
export function notClassicGroup(groupId: string, why: 'not found' | 'is not a classic group', apiVersion: number): GroupDescription {
  const refused = apiVersion >= 6
  return {
    errorCode: refused ? KafkaErrorCodes.GROUP_ID_NOT_FOUND : KafkaErrorCodes.NONE,
    errorMessage: refused ? `Group ${groupId} ${why}.` : null,
    groupId,
    state: 'Dead',
    protocolType: '',
    protocolData: '',
    members: [],
  }
}
