// Child process of test/integration/cluster-etcd-election.test.ts: a controller candidate in its
// own process, so the test can SIGKILL it the way a broker dies (no revoke, no goodbye).
// Registers node <nodeId> under <prefix> with a <sessionMs> session, campaigns, and prints one
// line per event: "registered <incarnation>", "elected <epoch>", "resigned <reason>".
// Plain ESM on the compiled output (dist/), because the parent runs it with plain `node`.
// Usage: node etcd-candidate.mjs <endpoints, comma-separated> <prefix> <nodeId> <sessionMs>
import { writeSync } from 'node:fs'
import { BrokerRegistry, ControllerElection, EtcdConnection } from '../../dist/src/cluster/index.js'

const [endpoints, prefix, nodeIdText, sessionMsText] = process.argv.slice(2)
const say = (line) => writeSync(1, line + '\n')

const connection = await EtcdConnection.connect({ endpoints: endpoints.split(','), prefix, callTimeoutMs: 3000 })
const nodeId = Number(nodeIdText)
const registry = new BrokerRegistry(connection, {
  nodeId,
  endpoints: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9000 + nodeId, securityProtocol: 'PLAINTEXT' }],
  sessionTimeoutMs: Number(sessionMsText),
})
const election = new ControllerElection(connection, registry)
election.onElected((epoch) => say(`elected ${epoch}`))
election.onResigned((reason) => say(`resigned ${reason}`))
await registry.start()
const registration = await registry.register()
say(`registered ${registration.incarnationId}`)
await election.start()
// Stays alive on the lease keepalive timers until killed.
