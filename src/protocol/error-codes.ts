/**
 * Kafka's numeric error codes: what goes into the error_code fields of responses. Each has the
 * name Kafka's tools print, whether a client should retry (Kafka's RetriableException family),
 * and a short description in our own words for logs and error messages.
 *
 * Described once, as a table; `KafkaErrorCodes.NOT_LEADER_OR_FOLLOWER === 6` and
 * `kafkaError(6).retriable === true` both come from it.
 */

// [code, name, retriable, message]
const definitions = [
  [-1, 'UNKNOWN_SERVER_ERROR', false, 'The broker hit an unexpected error while handling the request.'],
  [0, 'NONE', false, 'No error.'],
  [1, 'OFFSET_OUT_OF_RANGE', false, 'The requested offset is outside the range the partition holds.'],
  [2, 'CORRUPT_MESSAGE', true, 'A record failed its CRC check, has an invalid size, or is otherwise malformed.'],
  [3, 'UNKNOWN_TOPIC_OR_PARTITION', true, 'This broker does not host that topic or partition.'],
  [4, 'INVALID_FETCH_SIZE', false, 'The requested fetch size is invalid.'],
  [5, 'LEADER_NOT_AVAILABLE', true, 'The partition has no leader right now (for example during an election).'],
  [6, 'NOT_LEADER_OR_FOLLOWER', true, 'This broker is not the leader (or a follower) of that partition; refresh metadata.'],
  [7, 'REQUEST_TIMED_OUT', true, 'The request did not complete within its timeout.'],
  [8, 'BROKER_NOT_AVAILABLE', false, 'The broker is not available.'],
  [9, 'REPLICA_NOT_AVAILABLE', true, 'The replica is not available for the requested partition.'],
  [10, 'MESSAGE_TOO_LARGE', false, 'The record batch is larger than the maximum the broker or topic accepts.'],
  [11, 'STALE_CONTROLLER_EPOCH', false, 'The request came from a controller with an old epoch.'],
  [12, 'OFFSET_METADATA_TOO_LARGE', false, 'The metadata committed with the offset is too long.'],
  [13, 'NETWORK_EXCEPTION', true, 'The connection closed before the response arrived.'],
  [14, 'COORDINATOR_LOAD_IN_PROGRESS', true, 'The coordinator is still loading its state; retry shortly.'],
  [15, 'COORDINATOR_NOT_AVAILABLE', true, 'The coordinator is not available.'],
  [16, 'NOT_COORDINATOR', true, 'This broker is not the coordinator for that group or transactional id.'],
  [17, 'INVALID_TOPIC_EXCEPTION', false, 'The topic name is invalid, or the operation is not allowed on that topic.'],
  [18, 'RECORD_LIST_TOO_LARGE', false, 'The produce request holds more record data than the segment size allows.'],
  [19, 'NOT_ENOUGH_REPLICAS', true, 'Fewer in-sync replicas than min.insync.replicas; the write was rejected.'],
  [20, 'NOT_ENOUGH_REPLICAS_AFTER_APPEND', true, 'The write was stored but fewer replicas than required confirmed it.'],
  [21, 'INVALID_REQUIRED_ACKS', false, 'acks must be -1, 0 or 1.'],
  [22, 'ILLEGAL_GENERATION', false, 'The group generation in the request is not the current one.'],
  [23, 'INCONSISTENT_GROUP_PROTOCOL', false, 'The member protocol type or protocols do not match the group.'],
  [24, 'INVALID_GROUP_ID', false, 'The group id is empty or invalid.'],
  [25, 'UNKNOWN_MEMBER_ID', false, 'The coordinator does not know this member id.'],
  [26, 'INVALID_SESSION_TIMEOUT', false, 'The session timeout is outside the range the broker allows.'],
  [27, 'REBALANCE_IN_PROGRESS', false, 'The group is rebalancing; rejoin it.'],
  [28, 'INVALID_COMMIT_OFFSET_SIZE', false, 'The committed offset metadata has an invalid size.'],
  [29, 'TOPIC_AUTHORIZATION_FAILED', false, 'Not authorized to access the topic.'],
  [30, 'GROUP_AUTHORIZATION_FAILED', false, 'Not authorized to access the group.'],
  [31, 'CLUSTER_AUTHORIZATION_FAILED', false, 'Not authorized for this cluster operation.'],
  [32, 'INVALID_TIMESTAMP', false, 'A record timestamp is outside the range the topic accepts.'],
  [33, 'UNSUPPORTED_SASL_MECHANISM', false, 'The broker does not offer that SASL mechanism.'],
  [34, 'ILLEGAL_SASL_STATE', false, 'The request is not valid in the current SASL state.'],
  [35, 'UNSUPPORTED_VERSION', false, 'The broker does not serve that version of the API.'],
  [36, 'TOPIC_ALREADY_EXISTS', false, 'A topic with that name already exists.'],
  [37, 'INVALID_PARTITIONS', false, 'The number of partitions is invalid.'],
  [38, 'INVALID_REPLICATION_FACTOR', false, 'The replication factor is invalid or exceeds the number of brokers.'],
  [39, 'INVALID_REPLICA_ASSIGNMENT', false, 'The replica assignment is invalid.'],
  [40, 'INVALID_CONFIG', false, 'A configuration name or value is invalid.'],
  [41, 'NOT_CONTROLLER', true, 'This broker is not the controller.'],
  [42, 'INVALID_REQUEST', false, 'The request is malformed or violates the protocol; see the broker log.'],
  [43, 'UNSUPPORTED_FOR_MESSAGE_FORMAT', false, 'The message format of the topic does not support this request.'],
  [44, 'POLICY_VIOLATION', false, 'The request breaks a policy configured on the broker.'],
  [45, 'OUT_OF_ORDER_SEQUENCE_NUMBER', false, 'The producer sequence number is not the next one the broker expects.'],
  [46, 'DUPLICATE_SEQUENCE_NUMBER', false, 'The broker already has a batch with this producer sequence number.'],
  [47, 'INVALID_PRODUCER_EPOCH', false, 'The producer epoch is older than the current one (another producer took over).'],
  [48, 'INVALID_TXN_STATE', false, 'The operation is not valid in the current transaction state.'],
  [49, 'INVALID_PRODUCER_ID_MAPPING', false, 'The producer id does not match the transactional id.'],
  [50, 'INVALID_TRANSACTION_TIMEOUT', false, 'The transaction timeout exceeds transaction.max.timeout.ms.'],
  [51, 'CONCURRENT_TRANSACTIONS', true, 'The producer is still completing a previous transaction; retry.'],
  [52, 'TRANSACTION_COORDINATOR_FENCED', false, 'The transaction coordinator has a newer epoch than this one.'],
  [53, 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED', false, 'Not authorized to use the transactional id.'],
  [54, 'SECURITY_DISABLED', false, 'Security features are disabled on the broker.'],
  [55, 'OPERATION_NOT_ATTEMPTED', false, 'Not attempted because another part of the batch failed.'],
  [56, 'KAFKA_STORAGE_ERROR', true, 'The broker could not read or write the log on disk.'],
  [57, 'LOG_DIR_NOT_FOUND', false, 'The requested log directory does not exist.'],
  [58, 'SASL_AUTHENTICATION_FAILED', false, 'SASL authentication failed.'],
  [59, 'UNKNOWN_PRODUCER_ID', false, 'The broker no longer knows this producer id (its state expired).'],
  [60, 'REASSIGNMENT_IN_PROGRESS', false, 'A partition reassignment is already in progress.'],
  [61, 'DELEGATION_TOKEN_AUTH_DISABLED', false, 'Delegation token authentication is disabled.'],
  [62, 'DELEGATION_TOKEN_NOT_FOUND', false, 'The delegation token does not exist.'],
  [63, 'DELEGATION_TOKEN_OWNER_MISMATCH', false, 'The principal does not own the delegation token.'],
  [64, 'DELEGATION_TOKEN_REQUEST_NOT_ALLOWED', false, 'Delegation token requests are not allowed on this connection.'],
  [65, 'DELEGATION_TOKEN_AUTHORIZATION_FAILED', false, 'Not authorized for the delegation token.'],
  [66, 'DELEGATION_TOKEN_EXPIRED', false, 'The delegation token has expired.'],
  [67, 'INVALID_PRINCIPAL_TYPE', false, 'The principal type is not supported.'],
  [68, 'NON_EMPTY_GROUP', false, 'The group still has members.'],
  [69, 'GROUP_ID_NOT_FOUND', false, 'The group does not exist.'],
  [70, 'FETCH_SESSION_ID_NOT_FOUND', true, 'The fetch session does not exist (any more).'],
  [71, 'INVALID_FETCH_SESSION_EPOCH', true, 'The fetch session epoch is not the expected one.'],
  [72, 'LISTENER_NOT_FOUND', true, 'The leader has no endpoint for the listener the request arrived on.'],
  [73, 'TOPIC_DELETION_DISABLED', false, 'Topic deletion is disabled on the broker.'],
  [74, 'FENCED_LEADER_EPOCH', true, 'The leader epoch in the request is older than the broker\'s.'],
  [75, 'UNKNOWN_LEADER_EPOCH', true, 'The leader epoch in the request is newer than the broker\'s.'],
  [76, 'UNSUPPORTED_COMPRESSION_TYPE', false, 'The broker or this request version does not support the compression codec.'],
  [77, 'STALE_BROKER_EPOCH', false, 'The broker epoch has changed.'],
  [78, 'OFFSET_NOT_AVAILABLE', true, 'The leader high watermark has not caught up after an election; retry.'],
  [79, 'MEMBER_ID_REQUIRED', false, 'The group needs a member id; rejoin with the one in this response.'],
  [80, 'PREFERRED_LEADER_NOT_AVAILABLE', true, 'The preferred leader is not available.'],
  [81, 'GROUP_MAX_SIZE_REACHED', false, 'The group has reached its maximum size.'],
  [82, 'FENCED_INSTANCE_ID', false, 'Another member with the same group.instance.id replaced this one.'],
  [83, 'ELIGIBLE_LEADERS_NOT_AVAILABLE', true, 'No eligible leader is available for the election.'],
  [84, 'ELECTION_NOT_NEEDED', true, 'The leader election is not needed.'],
  [85, 'NO_REASSIGNMENT_IN_PROGRESS', false, 'No partition reassignment is in progress.'],
  [86, 'GROUP_SUBSCRIBED_TO_TOPIC', false, 'The group still consumes the topic, so its offsets cannot be deleted.'],
  [87, 'INVALID_RECORD', false, 'A record failed validation on the broker (for example a null key on a compacted topic).'],
  [88, 'UNSTABLE_OFFSET_COMMIT', true, 'Transactional offset commits are pending for the partition; retry.'],
  [89, 'THROTTLING_QUOTA_EXCEEDED', true, 'The request exceeded a throttling quota.'],
  [90, 'PRODUCER_FENCED', false, 'A producer with the same transactional id and a newer epoch exists.'],
  [91, 'RESOURCE_NOT_FOUND', false, 'The resource does not exist.'],
  [92, 'DUPLICATE_RESOURCE', false, 'The resource appears more than once in the request.'],
  [93, 'UNACCEPTABLE_CREDENTIAL', false, 'The credential does not meet the broker\'s requirements.'],
  [94, 'INCONSISTENT_VOTER_SET', false, 'The voter sets of the quorum members do not match.'],
  [95, 'INVALID_UPDATE_VERSION', false, 'The update version is invalid.'],
  [96, 'FEATURE_UPDATE_FAILED', false, 'The feature update could not be applied.'],
  [97, 'PRINCIPAL_DESERIALIZATION_FAILURE', false, 'The forwarded principal could not be deserialized.'],
  [98, 'SNAPSHOT_NOT_FOUND', false, 'The requested snapshot does not exist.'],
  [99, 'POSITION_OUT_OF_RANGE', false, 'The requested position is outside the snapshot.'],
  [100, 'UNKNOWN_TOPIC_ID', true, 'This broker does not know that topic id.'],
  [101, 'DUPLICATE_BROKER_REGISTRATION', false, 'A broker with that id is already registered.'],
  [102, 'BROKER_ID_NOT_REGISTERED', false, 'No broker with that id is registered.'],
  [103, 'INCONSISTENT_TOPIC_ID', true, 'The topic id does not match the topic name in the log.'],
  [104, 'INCONSISTENT_CLUSTER_ID', false, 'The cluster id does not match this cluster.'],
  [105, 'TRANSACTIONAL_ID_NOT_FOUND', false, 'The transactional id does not exist.'],
  [106, 'FETCH_SESSION_TOPIC_ID_ERROR', true, 'The fetch session has topic ids that do not match the request.'],
  [107, 'INELIGIBLE_REPLICA', false, 'The new ISR contains at least one ineligible replica.'],
  [108, 'NEW_LEADER_ELECTED', false, 'A new leader was elected; the request was not completed.'],
  [109, 'OFFSET_MOVED_TO_TIERED_STORAGE', false, 'The requested offset has moved to tiered storage.'],
  [110, 'FENCED_MEMBER_EPOCH', false, 'The member epoch is fenced; the member must rejoin.'],
  [111, 'UNRELEASED_INSTANCE_ID', false, 'The group.instance.id is still held by another member.'],
  [112, 'UNSUPPORTED_ASSIGNOR', false, 'The group does not support the requested assignor.'],
  [113, 'STALE_MEMBER_EPOCH', false, 'The member epoch is stale.'],
  [114, 'MISMATCHED_ENDPOINT_TYPE', false, 'The request was sent to an endpoint of the wrong type.'],
  [115, 'UNSUPPORTED_ENDPOINT_TYPE', false, 'This endpoint type is not supported yet.'],
  [116, 'UNKNOWN_CONTROLLER_ID', false, 'No controller with that id is known.'],
  [117, 'UNKNOWN_SUBSCRIPTION_ID', false, 'The client telemetry subscription id is unknown.'],
  [118, 'TELEMETRY_TOO_LARGE', false, 'The client telemetry payload is too large.'],
  [119, 'INVALID_REGISTRATION', false, 'The controller rejected the broker registration.'],
  [120, 'TRANSACTION_ABORTABLE', false, 'The transaction must be aborted; the producer may then continue.'],
  [121, 'INVALID_RECORD_STATE', false, 'The record state is invalid for this acknowledgement.'],
  [122, 'SHARE_SESSION_NOT_FOUND', true, 'The share session does not exist.'],
  [123, 'INVALID_SHARE_SESSION_EPOCH', true, 'The share session epoch is not the expected one.'],
  [124, 'FENCED_STATE_EPOCH', false, 'The share-group state epoch is fenced.'],
  [125, 'INVALID_VOTER_KEY', false, 'The voter key does not match the receiving replica.'],
  [126, 'DUPLICATE_VOTER', false, 'The voter is already part of the voter set.'],
  [127, 'VOTER_NOT_FOUND', false, 'The voter is not part of the voter set.'],
  [128, 'INVALID_REGULAR_EXPRESSION', false, 'The regular expression is not valid.'],
  [129, 'REBOOTSTRAP_REQUIRED', false, 'The client must bootstrap again to get fresh cluster metadata.'],
  [130, 'STREAMS_INVALID_TOPOLOGY', false, 'The Kafka Streams topology sent is not valid.'],
  [131, 'STREAMS_INVALID_TOPOLOGY_EPOCH', false, 'The Kafka Streams topology epoch is not valid.'],
  [132, 'STREAMS_TOPOLOGY_FENCED', false, 'The Kafka Streams topology epoch is older than the group\'s.'],
  [133, 'SHARE_SESSION_LIMIT_REACHED', true, 'This broker holds as many share sessions as it may (group.share.max.share.sessions).'],
] as const

type Definition = (typeof definitions)[number]

export type KafkaErrorName = Definition[1]

/** Kafka's error codes by name: `KafkaErrorCodes.UNKNOWN_TOPIC_OR_PARTITION === 3`. */
export const KafkaErrorCodes = Object.freeze(Object.fromEntries(definitions.map(([code, name]) => [name, code]))) as {
  readonly [D in Definition as D[1]]: D[0]
}

export interface KafkaErrorInfo {
  readonly code: number
  readonly name: string
  /** Whether a client may retry the same request and expect it to succeed later. */
  readonly retriable: boolean
  readonly message: string
}

const byCode = new Map<number, KafkaErrorInfo>(
  definitions.map(([code, name, retriable, message]) => [code, Object.freeze({ code, name, retriable, message })]),
)

/** What `code` means; codes we do not know get a generic, non-retriable description. */
export function kafkaError(code: number): KafkaErrorInfo {
  return byCode.get(code) ?? { code, name: `UNKNOWN_ERROR_${code}`, retriable: false, message: `Kafka error code ${code}.` }
}

/** Every known code, ascending (for tests and documentation). */
export function allKafkaErrors(): KafkaErrorInfo[] {
  return [...byCode.values()]
}
