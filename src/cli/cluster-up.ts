/**
 * `samsa cluster up`: a whole cluster on one machine, for trying cluster mode: a local etcd, then
 * N brokers (`samsa start --etcd ... --node-id i --port base+i-1 --data-dir <dir>/broker-i`) as
 * child processes whose output is relayed under `[broker i]`. Ctrl-C (SIGINT) or SIGTERM stops
 * the brokers, then etcd (LocalCluster says how), and exits.
 *
 * Everything lives under the data directory, so running it again brings back the same cluster.
 * Every port is checked before anything starts: a busy port stops it with the port's name.
 */
import { mkdirSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { ErrorCodes, SamsaError } from '../common/errors.js'
import { etcdBinary, startLocalEtcd } from './local-etcd.js'
import { LocalCluster } from './local-cluster.js'
import { integer } from './produce.js'
import { parseCommandArgs, usageError } from './usage-error.js'

export const upHelp = `Usage: samsa cluster up [options]

Starts a local etcd and N brokers that form one cluster, for trying cluster mode on one machine.
Ctrl-C stops the brokers (each cleanly, one at a time), then etcd.

Options:
  --brokers <n>         how many brokers (default 3); node ids 1..n
  --base-port <port>    broker i listens on base-port + i - 1 (default 9092)
  --http-base-port <p>  broker i serves its HTTP gateway and web console on
                        http-base-port + i - 1 (default 8082; 0 turns them off)
  --data-dir <dir>      etcd's data and log, and each broker's log dir (default ./cluster-data);
                        run again with the same directory to bring the same cluster back
  --etcd-port <port>    etcd's client port (default 2379); its peer port is the next one
  --set <key=value>     a broker setting for every broker (repeatable)
  -h, --help            show this help

Each broker gets default.replication.factor=min(n, 3) unless --set says otherwise, so topics
created on first use survive losing a broker. Needs the \`etcd\` binary (Debian/Ubuntu:
sudo apt-get install etcd-server).
`

const HOST = '127.0.0.1'
/** Signals this close to the first are the same Ctrl-C delivered twice (see onSignal). */
const DUPLICATE_SIGNAL_MS = 1000

interface UpOptions {
  readonly brokers: number
  readonly basePort: number
  /** Broker i's HTTP gateway port is httpBasePort + i - 1; 0: no gateway. */
  readonly httpBasePort: number
  readonly dataDir: string
  readonly etcdPort: number
  /** `key=value` for every broker's --set. */
  readonly settings: readonly string[]
}

export async function run(argv: string[]): Promise<void> {
  const options = parseOptions(argv)
  if (options === undefined) return
  const binary = etcdBinary()
  await ensureFree(options.etcdPort, 'etcd client port', '--etcd-port')
  await ensureFree(options.etcdPort + 1, 'etcd peer port', '--etcd-port')
  for (let id = 1; id <= options.brokers; id++) await ensureFree(options.basePort + id - 1, `broker ${id}`, '--base-port')
  if (options.httpBasePort !== 0) {
    for (let id = 1; id <= options.brokers; id++) await ensureFree(options.httpBasePort + id - 1, `broker ${id}'s HTTP gateway`, '--http-base-port')
  }
  mkdirSync(options.dataDir, { recursive: true })

  const cluster = new LocalCluster()
  // A supervisor that dies of an error must not leave its children running.
  const killAll = (): void => cluster.killAll()
  let firstSignalAt: number | undefined
  const onSignal = (signal: NodeJS.Signals): void => {
    if (firstSignalAt === undefined) {
      firstSignalAt = Date.now()
      void cluster.stop(`${signal} received`)
      return
    }
    // Under `npm run cluster` one Ctrl-C arrives twice: from the terminal and forwarded by npm.
    // Only a signal well after the first is someone insisting.
    if (Date.now() - firstSignalAt < DUPLICATE_SIGNAL_MS) return
    process.stderr.write(`samsa cluster: second ${signal}: killing every process without a clean shutdown\n`)
    process.exit(130)
  }
  process.once('exit', killAll)
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  try {
    await start(cluster, options, binary)
    if (cluster.stopReason === undefined) cluster.watch()
    await cluster.stopped
  } finally {
    // A stop that began while a process was still starting missed that process: stop it too.
    await cluster.stop(cluster.stopReason ?? 'a process failed to start')
    process.stdout.write('samsa cluster: stopped\n')
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    process.off('exit', killAll)
  }
}

async function start(cluster: LocalCluster, options: UpOptions, etcdPath: string): Promise<void> {
  const etcdData = join(options.dataDir, 'etcd')
  const etcdLog = join(options.dataDir, 'etcd.log')
  process.stdout.write(`samsa cluster: starting etcd on http://${HOST}:${options.etcdPort} (data ${etcdData}, log ${etcdLog})\n`)
  cluster.etcd = await startLocalEtcd(etcdPath, { host: HOST, clientPort: options.etcdPort, peerPort: options.etcdPort + 1, dataDir: etcdData, logFile: etcdLog })
  if (cluster.stopReason !== undefined) return

  process.stdout.write(`samsa cluster: starting ${options.brokers} brokers\n`)
  for (let id = 1; id <= options.brokers; id++) {
    const dataDir = join(options.dataDir, `broker-${id}`)
    const port = options.basePort + id - 1
    const httpPort = options.httpBasePort === 0 ? 0 : options.httpBasePort + id - 1
    const args = ['start', '--etcd', cluster.etcd.clientUrl, '--node-id', String(id), '--port', String(port), '--http-port', String(httpPort), '--data-dir', dataDir, ...options.settings.flatMap((s) => ['--set', s])]
    cluster.startBroker(id, dataDir, args)
  }
  let addresses: string[]
  try {
    addresses = await Promise.all(cluster.brokers.map((b) => b.ready))
  } catch (error) {
    // Brokers that a stop ended before they were ready are no failure.
    if (cluster.stopReason !== undefined) return
    throw error
  }
  if (cluster.stopReason === undefined) printSummary(cluster, addresses, etcdLog, options.httpBasePort)
}

function printSummary(cluster: LocalCluster, addresses: readonly string[], etcdLog: string, httpBasePort: number): void {
  const etcd = cluster.etcd!
  const width = Math.max(...addresses.map((a) => a.length), etcd.clientUrl.length)
  let out = `samsa cluster: ${cluster.brokers.length} brokers ready, coordinated by etcd at ${etcd.clientUrl}\n`
  cluster.brokers.forEach((b, i) => {
    out += `  broker ${String(b.nodeId).padEnd(3)} ${addresses[i]!.padEnd(width)}  pid ${b.process.pid}  data ${b.dataDir}\n`
  })
  out += `  etcd       ${etcd.clientUrl.padEnd(width)}  pid ${etcd.process.pid}  log ${etcdLog}\n`
  out += `Bootstrap servers: ${addresses.join(',')}\n`
  out += `See it with: samsa cluster describe --bootstrap-server ${addresses[0]}\n`
  if (httpBasePort !== 0) out += `Web console: http://${HOST}:${httpBasePort}/ (each broker serves one, on ports ${httpBasePort}-${httpBasePort + cluster.brokers.length - 1})\n`
  out += 'Ctrl-C stops the brokers, then etcd.\n'
  process.stdout.write(out)
}

function parseOptions(argv: string[]): UpOptions | undefined {
  const { values } = parseCommandArgs({
    args: argv,
    options: {
      brokers: { type: 'string' },
      'base-port': { type: 'string' },
      'http-base-port': { type: 'string' },
      'data-dir': { type: 'string' },
      'etcd-port': { type: 'string' },
      set: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  })
  if (values.help === true) {
    process.stdout.write(upHelp)
    return undefined
  }
  const brokers = integer('--brokers', values.brokers ?? '3', 1)
  const basePort = integer('--base-port', values['base-port'] ?? '9092', 1)
  const etcdPort = integer('--etcd-port', values['etcd-port'] ?? '2379', 1)
  const httpBasePort = integer('--http-base-port', values['http-base-port'] ?? '8082', 0)
  if (httpBasePort + brokers - 1 > 65535) throw usageError(`--http-base-port ${httpBasePort} with --brokers ${brokers} runs past port 65535; pick a lower --http-base-port.`)
  const lastPort = basePort + brokers - 1
  if (lastPort > 65535) throw usageError(`--base-port ${basePort} with --brokers ${brokers} runs past port 65535; pick a lower --base-port.`)
  if (etcdPort >= 65535) throw usageError(`--etcd-port ${etcdPort} leaves no room for etcd's peer port (the next one); pick a lower --etcd-port.`)
  if (etcdPort + 1 >= basePort && etcdPort <= lastPort) {
    throw usageError(`etcd's ports ${etcdPort}-${etcdPort + 1} overlap the brokers' ports ${basePort}-${lastPort}; change --etcd-port or --base-port.`)
  }
  const given = values.set ?? []
  for (const entry of given) {
    if (entry.indexOf('=') <= 0) throw usageError(`--set takes key=value, not '${entry}'`)
  }
  // Replicated topics are the point of a cluster; Kafka's default (1) suits a single broker.
  // (__consumer_offsets needs nothing here: it is made on first use at
  // offsets.topic.replication.factor, capped at the live brokers.)
  const replicationGiven = given.some((entry) => entry.slice(0, entry.indexOf('=')).trim() === 'default.replication.factor')
  const defaults = replicationGiven ? [] : [`default.replication.factor=${Math.min(brokers, 3)}`]
  return { brokers, basePort, httpBasePort, dataDir: values['data-dir'] ?? './cluster-data', etcdPort, settings: [...defaults, ...given] }
}

/** Listens on the port for a moment: the plainest test that nothing else holds it. */
function ensureFree(port: number, what: string, flag: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', (error: NodeJS.ErrnoException) => {
      const why = error.code === 'EADDRINUSE' ? 'is already in use' : `cannot be used (${error.code ?? error.message})`
      reject(
        new SamsaError(
          ErrorCodes.NETWORK,
          `port ${port} (${what}) on ${HOST} ${why}: stop whatever listens there (\`ss -ltnp 'sport = :${port}'\` shows it) or choose other ports with ${flag}.`,
        ),
      )
    })
    server.listen(port, HOST, () => server.close(() => resolve()))
  })
}
