/**
 * Test helper: a kafkajs producer that keeps writing `<prefix>p:n` values to every partition of a topic
 * (a batch every 20 ms, acks=all) and remembers the offset each value was acknowledged at, so a
 * test can check every acknowledged record against what its consumers read back.
 */
import type { Producer } from 'kafkajs'

export interface ContinuousProduction {
  /** Stops after the batch in flight is acknowledged. */
  stop(): Promise<void>
}

export function produceContinuously(producer: Producer, topic: string, partitions: number, acked: Map<string, number>, prefix = ''): ContinuousProduction {
  let running = true
  let seq = 0
  const loop = (async () => {
    while (running) {
      const n = seq++
      const topicMessages = [{ topic, messages: Array.from({ length: partitions }, (_, p) => ({ partition: p, value: `${prefix}${p}:${n}` })) }]
      const results = await producer.sendBatch({ topicMessages, acks: -1 })
      for (const r of results) acked.set(`${prefix}${r.partition}:${n}`, Number(r.baseOffset))
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  })()
  return {
    async stop() {
      running = false
      await loop
    },
  }
}
