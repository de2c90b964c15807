/**
 * Which partition of `__consumer_offsets` holds a group, and so which broker coordinates it: the
 * leader of partition `abs(groupId.hashCode()) % offsets.topic.num.partitions`.
 *
 * Kafka computes this with Java's `String.hashCode` (not murmur2) and its own `Utils.abs`, and
 * operators' tools (kafka-dump-log, kafka-consumer-groups) and other brokers agree with it only if
 * we do the same, bit for bit.
 */

/** The name of the internal topic that holds committed offsets and group metadata. */
export const OFFSETS_TOPIC = '__consumer_offsets'

/**
 * Java's `String.hashCode`: `s[0]*31^(n-1) + ... + s[n-1]` over UTF-16 code units, in 32-bit
 * two's complement arithmetic. JS strings are UTF-16 too, so `charCodeAt` sees what Java sees.
 */
export function javaStringHashCode(text: string): number {
  let hash = 0
  for (let i = 0; i < text.length; i++) hash = (Math.imul(hash, 31) + text.charCodeAt(i)) | 0
  return hash
}

/** Kafka's `Utils.abs`: like Math.abs, except that Integer.MIN_VALUE maps to 0 rather than itself. */
export function kafkaAbs(n: number): number {
  return n === -0x80000000 ? 0 : Math.abs(n)
}

/** The `__consumer_offsets` partition that holds `groupId`. */
export function partitionForGroup(groupId: string, partitionCount: number): number {
  return kafkaAbs(javaStringHashCode(groupId)) % partitionCount
}
