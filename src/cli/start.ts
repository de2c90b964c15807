/**
 * `samsa start`: run one broker in the foreground.
 *
 * Prints exactly one line on stdout when it is ready to serve, with the address clients should
 * use; logs go to stderr. SIGTERM and SIGINT shut down cleanly (a second signal exits at once).
 */
import { BrokerConfig } from '../common/config/broker-config.js'
import { formatListener } from '../common/config/listener-config.js'
import { type LogLevel, createLogger } from '../common/logger.js'
import { Broker } from '../start-broker.js'
import { parseCommandArgs, usageError } from './usage-error.js'

const help = `Usage: samsa start [options]

Runs a Kafka-compatible broker. Settings use Kafka's broker property names.

Options:
  --config <file>        read settings from a server.properties file
  --set <key=value>      set a property (repeatable), e.g. --set num.partitions=3
  --port <port>          the PLAINTEXT listener's port (default 9092; 0 picks a free one)
  --host <host>          the PLAINTEXT listener's address (default 127.0.0.1)
  --data-dir <dir>       log directory (log.dirs; default ./data)
  --node-id <id>         this broker's id (node.id; default 1)
  --http-port <port>     serve the HTTP gateway (REST API, WebSocket streams, /metrics,
                         health, web console) on this port (http.port; default 8082;
                         0 turns it off)
  --etcd <urls>          join the cluster coordinated by this etcd (etcd.endpoints;
                         comma-separated, e.g. http://127.0.0.1:2379); without it the
                         broker is a cluster of one
  --log-level <level>    debug, info, warn, error or silent (default info)
  -h, --help             show this help

Listeners and TLS, as in Kafka's server.properties:
  --set listeners=PLAINTEXT://127.0.0.1:9092,SSL://0.0.0.0:9093
  --set ssl.keystore.location=/etc/samsa/server.pem     (PEM: key and certificate chain)
  --set ssl.truststore.location=/etc/samsa/ca.pem --set ssl.client.auth=required

Environment variables SAMSA_<KEY> set properties too, dots as underscores:
SAMSA_NUM_PARTITIONS=3. Precedence: file < environment < --set < flags.
`

export async function run(argv: string[]): Promise<void> {
  const parsed = parseCommandArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      set: { type: 'string', multiple: true },
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      'node-id': { type: 'string' },
      etcd: { type: 'string' },
      'http-port': { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  })
  const options = parsed.values
  if (options.help === true) {
    process.stdout.write(help)
    return
  }
  const level = (options['log-level'] ?? 'info') as LogLevel
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(level)) {
    throw usageError(`--log-level must be debug, info, warn, error or silent, not '${level}'.`)
  }
  const config = BrokerConfig.load({
    ...(options.config !== undefined && { file: options.config }),
    ...(options.set !== undefined && { set: options.set }),
    ...(options.port !== undefined && { port: options.port }),
    ...(options.host !== undefined && { host: options.host }),
    ...(options['data-dir'] !== undefined && { dataDir: options['data-dir'] }),
    ...(options['node-id'] !== undefined && { nodeId: options['node-id'] }),
    ...(options.etcd !== undefined && { etcd: options.etcd }),
    ...(options['http-port'] !== undefined && { httpPort: options['http-port'] }),
    env: process.env,
  })
  const logger = createLogger('samsa', level)
  // The same handle startBroker() returns: one way to build and stop a broker.
  const broker = await Broker.launch(config, logger)
  const http = broker.httpUrl === null ? '' : `; console, REST and /metrics on ${broker.httpUrl}`
  // The first listener leads the line (scripts read it); every listener follows when there are more.
  const listeners = broker.listeners.length > 1 || broker.listeners[0]!.securityProtocol !== 'PLAINTEXT'
    ? `; listeners ${broker.listeners.map(formatListener).join(',')}`
    : ''
  process.stdout.write(`samsa: broker ${broker.nodeId} ready on ${broker.bootstrapServers} (data dir ${broker.dataDir})${http}${listeners}\n`)

  let signals = 0
  const stop = (signal: NodeJS.Signals): void => {
    if (++signals > 1) {
      logger.warn(`second ${signal}: exiting without a clean shutdown`)
      process.exit(130)
    }
    logger.info(`${signal} received`)
    broker.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('shutdown failed', { error })
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}
