/**
 * The gateway's read of partitions another broker leads: a Fetch to the leader as a consumer
 * sends it (replica id -1, read_uncommitted, the caller's long-poll wait as maxWaitMs), whose
 * record bytes then go through the same display-records task as local reads. The Fetch parks on
 * a connection of its own (src/broker/peer-brokers.ts), so a long poll holds back no other request.
 *
 * A leader that cannot be reached, or answers late, gives its partitions NETWORK_EXCEPTION, a
 * retriable error: the caller reads again, by then perhaps from a new leader.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { ReadPlan } from '../../storage/read-plan.js'
import type { PeerBrokers } from '../../broker/peer-brokers.js'

/** A partition's batches to decode: a local read plan or the bytes a leader sent. */
export interface Piece {
  /** The position's index in the read request. */
  readonly index: number
  readonly plan: ReadPlan | null
  readonly records: Buffer | null
  readonly length: number
}

/** What fetchFromLeader needs of the read request. */
export interface LeaderRead {
  readonly topic: string
  readonly positions: ReadonlyArray<{ readonly partition: number; readonly offset: number }>
  readonly maxWaitMs?: number
  readonly minBytes?: number
  readonly maxBytes?: number
  readonly partitionMaxBytes?: number
}

export interface ReadOutcome {
  readonly partition: number
  readonly errorCode: number
  readonly nextOffset: number
  readonly highWatermark: number
  readonly logStartOffset: number
}

/** Allowed beyond the Fetch's own wait before the connection gives up on the leader. */
const NETWORK_MARGIN_MS = 5_000
const DEFAULT_MAX_BYTES = 1024 * 1024

/** Reads the positions at `indexes` from broker `leader`; fills their entries of `outcomes`. */
export async function fetchFromLeader(peers: PeerBrokers, leader: number, request: LeaderRead, indexes: readonly number[], outcomes: ReadOutcome[]): Promise<Piece[]> {
  const maxBytes = request.maxBytes ?? DEFAULT_MAX_BYTES
  const maxWaitMs = request.maxWaitMs ?? 0
  let response
  try {
    response = await peers.request(
      leader,
      ApiKeys.Fetch,
      {
        replicaId: -1,
        maxWaitMs,
        minBytes: request.minBytes ?? 1,
        maxBytes,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [{
          topic: request.topic,
          partitions: indexes.map((i) => ({ partition: request.positions[i]!.partition, fetchOffset: BigInt(request.positions[i]!.offset), partitionMaxBytes: request.partitionMaxBytes ?? maxBytes })),
        }],
        forgottenTopicsData: [],
        rackId: '',
      },
      { timeoutMs: maxWaitMs + NETWORK_MARGIN_MS, parks: maxWaitMs > 0 },
    )
  } catch {
    for (const i of indexes) outcomes[i] = { ...outcomes[i]!, errorCode: KafkaErrorCodes.NETWORK_EXCEPTION }
    return []
  }
  const byPartition = new Map<number, number>()
  for (const i of indexes) byPartition.set(request.positions[i]!.partition, i)
  const pieces: Piece[] = []
  for (const topic of response.responses) {
    if (topic.topic !== request.topic) continue
    for (const answer of topic.partitions) {
      const index = byPartition.get(answer.partitionIndex)
      if (index === undefined) continue
      outcomes[index] = {
        ...outcomes[index]!,
        errorCode: answer.errorCode,
        highWatermark: Number(answer.highWatermark),
        logStartOffset: Number(answer.logStartOffset),
      }
      const records = answer.records
      if (answer.errorCode === KafkaErrorCodes.NONE && records != null && records.byteLength > 0) pieces.push({ index, plan: null, records, length: records.byteLength })
    }
  }
  return pieces
}
