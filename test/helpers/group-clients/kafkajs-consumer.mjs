// A kafkajs consumer in a group, run as its own process so tests can stop it (SIGTERM: it leaves
// the group) or kill it (SIGKILL: it just vanishes). It reports what happens as JSON lines on
// stdout: {"e":"joined"} with its assignment after every rebalance, {"e":"batch"} for every
// batch it processed (before kafkajs commits it), {"e":"commit"} for every commit.
// Usage: node kafkajs-consumer.mjs '<json options>'
import { Kafka, logLevel } from 'kafkajs'

const options = JSON.parse(process.argv[2])
const emit = (event) => process.stdout.write(JSON.stringify({ ...event, t: Date.now(), c: options.clientId }) + '\n')

const kafka = new Kafka({
  clientId: options.clientId,
  brokers: [options.bootstrap],
  logLevel: logLevel.WARN,
  logCreator: () => ({ namespace, log }) => process.stderr.write(`${options.clientId} ${namespace} ${log.message} ${log.error ?? ''}\n`),
  retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1000 },
})
const consumer = kafka.consumer({
  groupId: options.groupId,
  sessionTimeout: options.sessionTimeout ?? 10000,
  rebalanceTimeout: options.rebalanceTimeout ?? 20000,
  heartbeatInterval: options.heartbeatInterval ?? 500,
  maxWaitTimeInMs: 200,
})
consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
  emit({ e: 'joined', memberId: payload.memberId, leader: payload.isLeader, partitions: payload.memberAssignment[options.topic] ?? [] })
})
consumer.on(consumer.events.COMMIT_OFFSETS, ({ payload }) => {
  const offsets = payload.topics.flatMap((t) => t.partitions.map((p) => ({ p: p.partition, o: Number(p.offset) })))
  emit({ e: 'commit', offsets })
})
consumer.on(consumer.events.CRASH, ({ payload }) => emit({ e: 'crash', error: String(payload.error) }))

let stopping = false
process.on('SIGTERM', async () => {
  if (stopping) return
  stopping = true
  await consumer.disconnect()
  emit({ e: 'stopped' })
  process.exit(0)
})

await consumer.connect()
await consumer.subscribe({ topic: options.topic, fromBeginning: true })
await consumer.run({
  eachBatch: async ({ batch }) => {
    const values = batch.messages.map((m) => m.value.toString())
    emit({ e: 'batch', p: batch.partition, o: batch.messages.map((m) => Number(m.offset)), v: values })
    if (options.batchDelayMs) await new Promise((resolve) => setTimeout(resolve, options.batchDelayMs))
  },
})
emit({ e: 'running' })
