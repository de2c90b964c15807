/**
 * PRODUCER_FENCED (KIP-588) is answered only to request versions that know it: older versions
 * get INVALID_PRODUCER_EPOCH, which their clients treat the same way (the producer is done).
 * Kafka's first versions with it: InitProducerId 4, AddPartitionsToTxn 2, AddOffsetsToTxn 2,
 * EndTxn 2, TxnOffsetCommit 3.
 */
import { KafkaErrorCodes } from '../../protocol/error-codes.js'

export function fencedErrorForVersion(errorCode: number, version: number, firstVersionWithProducerFenced: number): number {
  return errorCode === KafkaErrorCodes.PRODUCER_FENCED && version < firstVersionWithProducerFenced ? KafkaErrorCodes.INVALID_PRODUCER_EPOCH : errorCode
}
