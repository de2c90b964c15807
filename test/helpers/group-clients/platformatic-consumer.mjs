// An @platformatic/kafka consumer in a group (flexible protocol versions: JoinGroup 6-9,
// SyncGroup 4-5, OffsetCommit/Fetch 8-9, FindCoordinator 4+), run as its own process. Reports
// JSON lines like kafkajs-consumer.mjs: {"e":"joined"} with generation and assignment,
// {"e":"batch"} per record received. SIGTERM closes the consumer (it leaves the group).
// Usage: node platformatic-consumer.mjs '<json options>'
import { Consumer, stringDeserializers } from '@platformatic/kafka'

const options = JSON.parse(process.argv[2])
const emit = (event) => process.stdout.write(JSON.stringify({ ...event, t: Date.now(), c: options.clientId }) + '\n')

const consumer = new Consumer({
  groupId: options.groupId,
  clientId: options.clientId,
  bootstrapBrokers: [options.bootstrap],
  deserializers: stringDeserializers,
  ...(options.groupInstanceId ? { groupInstanceId: options.groupInstanceId } : {}),
  sessionTimeout: options.sessionTimeout ?? 10000,
  rebalanceTimeout: options.rebalanceTimeout ?? 20000,
  heartbeatInterval: options.heartbeatInterval ?? 500,
  maxWaitTime: 200,
})
consumer.on('consumer:group:join', (payload) => {
  const partitions = (payload.assignments ?? []).filter((a) => a.topic === options.topic).flatMap((a) => a.partitions)
  emit({ e: 'joined', memberId: payload.memberId, generationId: payload.generationId, leader: payload.isLeader, partitions })
})

const stream = await consumer.consume({
  topics: [options.topic],
  mode: 'committed',
  fallbackMode: 'earliest',
  autocommit: 200,
  sessionTimeout: options.sessionTimeout ?? 10000,
  rebalanceTimeout: options.rebalanceTimeout ?? 20000,
  heartbeatInterval: options.heartbeatInterval ?? 500,
  maxWaitTime: 200,
})
stream.on('data', (message) => {
  emit({ e: 'batch', p: message.partition, o: [Number(message.offset)], v: [message.value] })
})
stream.on('error', (error) => emit({ e: 'crash', error: String(error) }))
emit({ e: 'running' })

let stopping = false
process.on('SIGTERM', async () => {
  if (stopping) return
  stopping = true
  await consumer.close(true)
  emit({ e: 'stopped' })
  process.exit(0)
})
