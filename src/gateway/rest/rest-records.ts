/**
 * Records as the REST Proxy v2 returns them from a read: `[{"topic", "key", "value",
 * "partition", "offset"}]`, keys and values in the embedded format the reader decoded them to
 * (base64 for binary, the JSON value for json). Headers are left out, as the v2 API has none.
 */
import type { DisplayRecord } from '../records/partition-reader.js'

export interface RestRecord {
  readonly topic: string
  readonly key: unknown
  readonly value: unknown
  readonly partition: number
  readonly offset: number
}

export function restRecords(topic: string, records: readonly DisplayRecord[]): RestRecord[] {
  const out: RestRecord[] = new Array(records.length)
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!
    out[i] = { topic, key: r.key, value: r.value, partition: r.partition, offset: Number(r.offset) }
  }
  return out
}
