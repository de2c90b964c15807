/**
 * Test helper: reads a topic with Samsa's own lean Consumer (by assignment, no group) until
 * `expected` records arrived or 20 polls in a row came back empty.
 */
import { Consumer, type ConsumerRecord } from '../../src/client/consumer.js'

export async function consumeAll(
  bootstrap: string,
  topic: string,
  expected: number,
  from: 'earliest' | number | { timestamp: number } = 'earliest',
): Promise<ConsumerRecord[]> {
  const consumer = new Consumer({ bootstrapServers: bootstrap }, { maxWaitMs: 200 })
  try {
    await consumer.assignTopics([topic], from)
    const records: ConsumerRecord[] = []
    for (let idle = 0; records.length < expected && idle < 20; ) {
      const batch = await consumer.poll()
      if (batch.length === 0) idle++
      records.push(...batch)
    }
    return records
  } finally {
    await consumer.close()
  }
}
