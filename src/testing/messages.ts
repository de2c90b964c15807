/**
 * waitForMessages and produceAndWait: the two steps most Kafka tests need, over Samsa's lean
 * client, against any broker (an in-process one from startBroker() or any other). Each call
 * opens its own connections and closes them before it resolves or rejects, so a test leaves
 * nothing open; decoding runs on the event loop (no worker threads for a handful of records).
 */
import { Consumer, type ConsumerRecord } from '../client/consumer.js'
import { Producer, type ProducerRecord, type RecordMetadata } from '../client/producer.js'
import { ErrorCodes, SamsaError } from '../common/errors.js'

/** A broker to talk to: its bootstrap servers, or anything that has them (a Broker handle). */
export type BrokerTarget = string | { readonly bootstrapServers: string }

/** A message to produce: a full record, or just its value. */
export type TestMessage = ProducerRecord | string | Buffer

export interface WaitForMessagesOptions {
  /** Give up after this long; default 10 000 ms. */
  readonly timeoutMs?: number
  /** Where to start in each partition; default 'earliest' (every message the topic holds). */
  readonly from?: 'earliest' | 'latest'
}

export interface ProduceAndWaitOptions {
  /** -1 (all, the default), 1 or 0. */
  readonly acks?: -1 | 0 | 1
}

/** The broker's address list for a target. */
export function bootstrapServersOf(target: BrokerTarget): string {
  return typeof target === 'string' ? target : target.bootstrapServers
}

/**
 * Sends `messages` to `topic` and resolves once the broker acknowledged every one (acks=all by
 * default), with where each run of records went. A topic that does not exist is created if the
 * broker auto-creates topics (the default), else this rejects with a KafkaError.
 */
export async function produceAndWait(
  target: BrokerTarget,
  topic: string,
  messages: TestMessage | readonly TestMessage[],
  options: ProduceAndWaitOptions = {},
): Promise<RecordMetadata[]> {
  const list = (Array.isArray(messages) ? messages : [messages]) as readonly TestMessage[]
  const records = list.map((message): ProducerRecord => (typeof message === 'string' || Buffer.isBuffer(message) ? { value: message } : message))
  const producer = new Producer({ bootstrapServers: bootstrapServersOf(target) }, { acks: options.acks ?? -1, lingerMs: 0, pool: null })
  try {
    return await producer.send(topic, records)
  } finally {
    await producer.close()
  }
}

/**
 * Reads `topic` until `count` messages have arrived and resolves with the first `count` (in
 * partition order within each partition; across partitions in the order they were fetched).
 * Rejects with a SamsaError (code SAMSA_TIMEOUT) that says how many arrived if fewer than
 * `count` do within the timeout. It joins no consumer group, so it commits nothing and does not
 * disturb the groups under test.
 */
export async function waitForMessages(
  target: BrokerTarget,
  topic: string,
  count: number,
  options: WaitForMessagesOptions = {},
): Promise<ConsumerRecord[]> {
  const timeoutMs = options.timeoutMs ?? 10_000
  const deadline = Date.now() + timeoutMs
  // Short fetch waits so the deadline is kept within a fraction of a second.
  const consumer = new Consumer({ bootstrapServers: bootstrapServersOf(target) }, { maxWaitMs: 100, pool: null })
  const received: ConsumerRecord[] = []
  try {
    await consumer.assignTopics([topic], options.from ?? 'earliest')
    while (received.length < count) {
      if (Date.now() >= deadline) {
        throw new SamsaError(
          ErrorCodes.TIMEOUT,
          `Waited ${timeoutMs} ms for ${count} message(s) on topic '${topic}', ${received.length} arrived. Did the producer send to this topic, and are the messages before the start position ('${options.from ?? 'earliest'}')?`,
        )
      }
      for (const record of await consumer.poll()) if (received.length < count) received.push(record)
    }
    return received
  } finally {
    await consumer.close()
  }
}
