/**
 * Control records: the records of control batches (attributes bit 5), which mark the end of a
 * transaction in every partition it wrote to. Consumers never see them as data; read_committed
 * consumers use them to drop aborted records.
 *
 * Key: version INT16 (0), type INT16 (0 ABORT, 1 COMMIT; higher types are KRaft-internal).
 * Value of ABORT/COMMIT markers: version INT16 (0), coordinator_epoch INT32.
 */
import type { Crc32c } from './crc32c.js'
import { protocolError } from './protocol-error.js'
import { RECORDS_OFFSET, batchProducerEpoch, batchProducerId, batchRecordsCount, batchSize } from './record-batch.js'
import { decodeRecords, encodeRecordBatch } from './records.js'

export const ControlRecordTypes = { ABORT: 0, COMMIT: 1 } as const

export interface ControlRecordKey {
  readonly version: number
  readonly type: number
}

export interface EndTxnMarker {
  readonly version: number
  readonly coordinatorEpoch: number
}

/** The key of a control record of `type` (see ControlRecordTypes). */
export function encodeControlRecordKey(type: number): Buffer {
  const key = Buffer.allocUnsafe(4)
  key.writeInt16BE(0, 0)
  key.writeInt16BE(type, 2)
  return key
}

/** Reads a control record key; throws SAMSA_PROTOCOL when it is too short. */
export function decodeControlRecordKey(key: Buffer | null): ControlRecordKey {
  if (key === null || key.length < 4) throw protocolError(`control record key has ${key?.length ?? 'no'} bytes, needs 4`)
  return { version: key.readInt16BE(0), type: key.readInt16BE(2) }
}

/** The value of a COMMIT or ABORT marker. */
export function encodeEndTxnMarker(coordinatorEpoch: number): Buffer {
  const value = Buffer.allocUnsafe(6)
  value.writeInt16BE(0, 0)
  value.writeInt32BE(coordinatorEpoch, 2)
  return value
}

/** Reads the value of a COMMIT or ABORT marker; throws SAMSA_PROTOCOL when it is too short. */
export function decodeEndTxnMarker(value: Buffer | null): EndTxnMarker {
  if (value === null || value.length < 6) {
    throw protocolError(`transaction marker value has ${value?.length ?? 'no'} bytes, needs 6`)
  }
  return { version: value.readInt16BE(0), coordinatorEpoch: value.readInt32BE(2) }
}

export interface EndTxnMarkerBatchInput {
  readonly producerId: bigint | number
  readonly producerEpoch: number
  readonly commit: boolean
  readonly coordinatorEpoch: number
  readonly timestamp: bigint | number
  readonly baseOffset?: bigint | number
  readonly partitionLeaderEpoch?: number
}

/** A transactional control batch holding one COMMIT or ABORT marker, as the leader appends it. */
export function encodeEndTxnMarkerBatch(marker: EndTxnMarkerBatchInput, crc32c?: Crc32c): Buffer {
  return encodeRecordBatch(
    {
      baseOffset: marker.baseOffset ?? 0,
      partitionLeaderEpoch: marker.partitionLeaderEpoch ?? -1,
      isTransactional: true,
      isControl: true,
      baseTimestamp: marker.timestamp,
      producerId: marker.producerId,
      producerEpoch: marker.producerEpoch,
      baseSequence: -1,
      records: [
        {
          key: encodeControlRecordKey(marker.commit ? ControlRecordTypes.COMMIT : ControlRecordTypes.ABORT),
          value: encodeEndTxnMarker(marker.coordinatorEpoch),
        },
      ],
    },
    crc32c === undefined ? {} : { crc32c },
  )
}

/** What a stored COMMIT or ABORT control batch says. */
export interface TxnMarkerBatch {
  readonly producerId: number
  readonly producerEpoch: number
  readonly coordinatorEpoch: number
  readonly commit: boolean
}

/**
 * Reads the transaction marker of the control batch at `position` (control batches are never
 * compressed), or null when its record is not a well-formed COMMIT or ABORT marker (a type this
 * broker does not know). Control batches are one per transaction and partition, so decoding the
 * record here costs nothing on the data path.
 */
export function decodeTxnMarkerBatch(records: Buffer, position: number): TxnMarkerBatch | null {
  try {
    const section = records.subarray(position + RECORDS_OFFSET, position + batchSize(records, position))
    const [record] = decodeRecords(section, batchRecordsCount(records, position))
    if (record === undefined) return null
    const key = decodeControlRecordKey(record.key)
    if (key.type !== ControlRecordTypes.ABORT && key.type !== ControlRecordTypes.COMMIT) return null
    return {
      producerId: batchProducerId(records, position),
      producerEpoch: batchProducerEpoch(records, position),
      coordinatorEpoch: decodeEndTxnMarker(record.value).coordinatorEpoch,
      commit: key.type === ControlRecordTypes.COMMIT,
    }
  } catch {
    return null
  }
}
