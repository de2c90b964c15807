/**
 * Waits until a Kafka-compatible cluster's Metadata lists `count` brokers, for kafka.sh: a KRaft
 * broker listens on its port before the controller has unfenced it, and a topic of replication
 * factor 3 created in between fails with INVALID_REPLICATION_FACTOR. Exits 0 once they are all
 * listed, 1 after the timeout.
 *
 *   node dist/bench/kafka/wait-brokers.js <bootstrap> <count> [timeout seconds, default 120]
 */
import { Cluster } from '../../src/client/cluster.js'

const [bootstrap, countText, timeoutText] = process.argv.slice(2)
if (bootstrap === undefined || countText === undefined) {
  process.stderr.write('usage: wait-brokers.js <bootstrap> <count> [timeout seconds]\n')
  process.exit(2)
}
const count = Number(countText)
const deadline = Date.now() + Number(timeoutText ?? 120) * 1000
let listed = 0
while (Date.now() < deadline) {
  const client = new Cluster({ bootstrapServers: bootstrap, clientId: 'wait-brokers', requestTimeoutMs: 3000 })
  try {
    await client.refreshMetadata([])
    listed = client.brokers().length
    if (listed >= count) process.exit(0)
  } catch {
    // Not listening yet: ask again.
  } finally {
    client.close()
  }
  await new Promise((resolve) => setTimeout(resolve, 250))
}
process.stderr.write(`wait-brokers: ${bootstrap} lists ${listed} of ${count} brokers after the timeout\n`)
process.exit(1)
