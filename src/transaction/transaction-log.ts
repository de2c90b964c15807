/**
 * The records of `__transaction_state`, in Kafka's TransactionLogKey and TransactionLogValue
 * formats, so Kafka's tools (kafka-dump-log --transaction-log-decoder) read Samsa's topic as
 * they read Kafka's:
 *
 *   TransactionLogKey v0    => transactional_id
 *   TransactionLogValue v0  => producer_id producer_epoch transaction_timeout_ms
 *                              transaction_status(int8) [transaction_partitions](nullable)
 *                              transaction_last_update_timestamp_ms transaction_start_timestamp_ms
 *   transaction_partitions => topic [partition_ids]
 *   v1 is flexible and adds tagged fields: previous_producer_id (0), next_producer_id (1),
 *   client_transaction_version (2).
 *
 * Each key and value is an INT16 version and the fields of that version. A tombstone (null
 * value) removes the id. We write key v0 and value v1 (so the previous producer id survives a
 * coordinator move, which KIP-360 retries need) and read value v0 and v1.
 */
import { defineMessage, type MessageSchema } from '../protocol/message.js'
import { protocolError } from '../protocol/protocol-error.js'
import { Reader } from '../protocol/reader.js'
import { field, type Fields, type StructInput } from '../protocol/schema.js'
import { Writer } from '../protocol/writer.js'
import { NO_PRODUCER_EPOCH, TransactionMetadata, type TxnTransitMetadata } from './transaction-metadata.js'
import { stateFromStatus, transactionStatus } from './transaction-state.js'

export const transactionLogKey = defineMessage({
  name: 'TransactionLogKey',
  validVersions: '0',
  flexibleVersions: 'none',
  fields: {
    transactionalId: field.string(),
  },
})

export const transactionLogValue = defineMessage({
  name: 'TransactionLogValue',
  validVersions: '0-1',
  flexibleVersions: '1+',
  fields: {
    producerId: field.int64(),
    previousProducerId: field.int64({ versions: '1+', taggedVersions: '1+', tag: 0, default: -1n }),
    nextProducerId: field.int64({ versions: '1+', taggedVersions: '1+', tag: 1, default: -1n }),
    producerEpoch: field.int16(),
    transactionTimeoutMs: field.int32(),
    transactionStatus: field.int8(),
    transactionPartitions: field.array(
      {
        topic: field.string(),
        partitionIds: field.array(field.int32()),
      },
      { nullableVersions: '0+' },
    ),
    transactionLastUpdateTimestampMs: field.int64(),
    transactionStartTimestampMs: field.int64(),
    clientTransactionVersion: field.int16({ versions: '1+', taggedVersions: '1+', tag: 2, default: 0 }),
  },
})

const KEY_VERSION = 0
const VALUE_VERSION = 1

function encodeVersioned<F extends Fields>(schema: MessageSchema<F>, value: StructInput<F>, version: number): Buffer {
  const writer = new Writer(64)
  writer.writeInt16(version)
  return schema.encode(value, version, writer).toBuffer()
}

export function transactionLogRecordKey(transactionalId: string): Buffer {
  return encodeVersioned(transactionLogKey, { transactionalId }, KEY_VERSION)
}

/** The value Kafka writes for a change; Empty and Complete* carry no partitions (Kafka writes none). */
export function transactionLogRecordValue(transit: TxnTransitMetadata): Buffer {
  const withPartitions = transit.state !== 'Empty' && transit.state !== 'CompleteCommit' && transit.state !== 'CompleteAbort'
  return encodeVersioned(
    transactionLogValue,
    {
      producerId: BigInt(transit.producerId),
      previousProducerId: BigInt(transit.lastProducerId),
      producerEpoch: transit.producerEpoch,
      transactionTimeoutMs: transit.txnTimeoutMs,
      transactionStatus: transactionStatus(transit.state),
      transactionPartitions: withPartitions ? [...transit.partitions].map(([topic, ids]) => ({ topic, partitionIds: [...ids].sort((a, b) => a - b) })) : null,
      transactionLastUpdateTimestampMs: BigInt(transit.txnLastUpdateTimestamp),
      transactionStartTimestampMs: BigInt(transit.txnStartTimestamp),
    },
    VALUE_VERSION,
  )
}

/** The transactional id of a record's key. Throws SAMSA_PROTOCOL for a key that is not one. */
export function decodeTransactionLogKey(key: Buffer | null): string {
  if (key === null || key.length < 2) throw protocolError('a __transaction_state record has no key version')
  const version = key.readInt16BE(0)
  if (!transactionLogKey.supports(version)) throw protocolError(`TransactionLogKey version ${version} is not one Samsa reads`)
  return transactionLogKey.decode(new Reader(key, 2), version).transactionalId
}

/**
 * The metadata a record's value describes. As in Kafka's loader, the last epoch is not stored:
 * a loaded id starts with none.
 */
export function decodeTransactionLogValue(transactionalId: string, value: Buffer): TransactionMetadata {
  if (value.length < 2) throw protocolError('a TransactionLogValue has no version')
  const version = value.readInt16BE(0)
  if (!transactionLogValue.supports(version)) throw protocolError(`TransactionLogValue version ${version} is not one Samsa reads`)
  const decoded = transactionLogValue.decode(new Reader(value, 2), version)
  const state = stateFromStatus(decoded.transactionStatus)
  if (state === undefined) throw protocolError(`TransactionLogValue of ${transactionalId} has unknown status ${decoded.transactionStatus}`)
  const partitions = new Map<string, Set<number>>()
  for (const t of decoded.transactionPartitions ?? []) partitions.set(t.topic, new Set(t.partitionIds))
  return new TransactionMetadata({
    transactionalId,
    producerId: Number(decoded.producerId),
    lastProducerId: Number(decoded.previousProducerId),
    producerEpoch: decoded.producerEpoch,
    lastProducerEpoch: NO_PRODUCER_EPOCH,
    txnTimeoutMs: decoded.transactionTimeoutMs,
    state,
    partitions,
    txnStartTimestamp: Number(decoded.transactionStartTimestampMs),
    txnLastUpdateTimestamp: Number(decoded.transactionLastUpdateTimestampMs),
  })
}
