/**
 * AddPartitionsToTxn (API key 24): the partitions a transactional producer is about to write in
 * its current transaction, named before the first write to each.
 *
 * Versions 0-5; flexible from 3. Up to v3 (the form clients send) one transaction per request,
 * in the top-level fields. From v4 (KIP-890, the form partition leaders send to verify a
 * transactional write) a batch of transactions, each of which may ask only to verify that its
 * partitions are in the transaction (verify_only) rather than add them.
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

const topic = {
  name: field.string(),
  partitions: field.array(field.int32()),
}

/*
 * AddPartitionsToTxn Request (v0-5)
 *   => [transactions](v4+) v3_and_below_transactional_id(v0-3) v3_and_below_producer_id(v0-3)
 *      v3_and_below_producer_epoch(v0-3) [v3_and_below_topics](v0-3)
 *   transactions => transactional_id producer_id producer_epoch verify_only [topics]
 *   topics => name [partitions]
 */
export const addPartitionsToTxnRequest = defineMessage({
  name: 'AddPartitionsToTxnRequest',
  apiKey: 24,
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: {
    transactions: field.array(
      {
        transactionalId: field.string(),
        producerId: field.int64(),
        producerEpoch: field.int16(),
        verifyOnly: field.bool({ default: false }),
        topics: field.array(topic),
      },
      { versions: '4+', default: [] },
    ),
    v3AndBelowTransactionalId: field.string({ versions: '0-3', default: '' }),
    v3AndBelowProducerId: field.int64({ versions: '0-3', default: 0n }),
    v3AndBelowProducerEpoch: field.int16({ versions: '0-3', default: 0 }),
    v3AndBelowTopics: field.array(topic, { versions: '0-3', default: [] }),
  },
})

export type AddPartitionsToTxnRequest = MessageType<typeof addPartitionsToTxnRequest>
export type AddPartitionsToTxnRequestInput = MessageInput<typeof addPartitionsToTxnRequest>

const topicResult = {
  name: field.string(),
  resultsByPartition: field.array({
    partitionIndex: field.int32(),
    partitionErrorCode: field.int16(),
  }),
}

/*
 * AddPartitionsToTxn Response (v0-5)
 *   => throttle_time_ms error_code(v4+) [results_by_transaction](v4+) [results_by_topic_v3_and_below](v0-3)
 *   results_by_transaction => transactional_id [topic_results]
 *   topic_results, results_by_topic_v3_and_below => name [results_by_partition]
 *   results_by_partition => partition_index partition_error_code
 */
export const addPartitionsToTxnResponse = defineMessage({
  name: 'AddPartitionsToTxnResponse',
  apiKey: 24,
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: {
    throttleTimeMs: field.int32({ default: 0 }),
    errorCode: field.int16({ versions: '4+', default: 0 }),
    resultsByTransaction: field.array(
      {
        transactionalId: field.string(),
        topicResults: field.array(topicResult),
      },
      { versions: '4+', default: [] },
    ),
    resultsByTopicV3AndBelow: field.array(topicResult, { versions: '0-3', default: [] }),
  },
})

export type AddPartitionsToTxnResponse = MessageType<typeof addPartitionsToTxnResponse>
export type AddPartitionsToTxnResponseInput = MessageInput<typeof addPartitionsToTxnResponse>
