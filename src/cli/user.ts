/**
 * `samsa user add|list|delete`: SCRAM users, written straight into where the broker keeps them,
 * so the first admin exists before the first start, as `kafka-storage format --add-scram` does
 * in Kafka (Kafka, like Samsa, does not take SCRAM users from the JAAS configuration). Against
 * the data directory of a single broker (--data-dir, or log.dirs of --config) or the etcd of a
 * cluster (--etcd). A single broker reads its credentials at start: while it runs, change them
 * through the broker instead (kafka-configs --alter --entity-type users, or AlterUserScramCredentials).
 *
 * PLAIN users are not stored anywhere but the broker's properties (Kafka's PlainLoginModule
 * user_<name>="<password>" entries); `add --mechanism PLAIN` prints the line to add, and `list`
 * with --config shows them.
 */
import { ErrorCodes, SamsaError } from '../common/errors.js'
import { BrokerConfig } from '../common/config/broker-config.js'
import { parseJaasConfig } from '../security/sasl/jaas-config.js'
import { PLAIN_LOGIN_MODULE } from '../security/sasl/plain.js'
import {
  SCRAM_DEFAULT_ITERATIONS,
  SCRAM_MECHANISMS,
  type ScramMechanismName,
  checkIterations,
  isScramMechanism,
  newScramCredential,
} from '../security/sasl/scram-credential.js'
import type { ScramCredentialStore } from '../security/sasl/scram-credential-store.js'
import { FileScramCredentialStore } from '../security/sasl/scram-credential-file.js'
import { parseCommandArgs, usageError } from './usage-error.js'

const help = `Usage: samsa user <action> [options]

Actions:
  add --user <name> --password <password> [--mechanism <m>]... [--iterations <n>]
                               create or replace a user's SCRAM credential (default: both
                               SCRAM-SHA-256 and SCRAM-SHA-512, ${SCRAM_DEFAULT_ITERATIONS} iterations)
  list                         users and their SCRAM mechanisms (PLAIN users too, with --config)
  delete --user <name> [--mechanism <m>]...
                               remove a user's SCRAM credentials (default: all of them)

Where (one of):
  --data-dir <dir>             a single broker's data directory (its log.dirs), before it starts
  --config <server.properties> the broker's properties: its log.dirs, or its etcd.endpoints
  --etcd <url>[,<url>...]      a cluster's etcd (with --etcd-prefix, default /samsa)

Mechanisms: ${SCRAM_MECHANISMS.join(', ')}. PLAIN users live in the broker's properties, as in Kafka:
  listener.name.<listener>.plain.sasl.jaas.config=${PLAIN_LOGIN_MODULE} required user_<name>="<password>";

Examples:
  samsa user add --data-dir ./data --user admin --password admin-secret --mechanism SCRAM-SHA-512
  samsa user list --config server.properties
  samsa user delete --etcd http://127.0.0.1:2379 --user alice
`

export async function run(argv: string[]): Promise<void> {
  const parsed = parseCommandArgs({
    args: argv,
    options: {
      user: { type: 'string' },
      password: { type: 'string' },
      mechanism: { type: 'string', multiple: true },
      iterations: { type: 'string' },
      'data-dir': { type: 'string' },
      config: { type: 'string' },
      etcd: { type: 'string' },
      'etcd-prefix': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  })
  const options = parsed.values
  const [action, ...extra] = parsed.positionals
  if (options.help === true || action === undefined) {
    process.stdout.write(help)
    if (action === undefined && options.help !== true) process.exitCode = 2
    return
  }
  if (extra.length > 0) throw usageError(`unexpected argument '${extra[0]}'`)
  if (!['add', 'list', 'delete'].includes(action)) throw usageError(`unknown action '${action}'; use add, list or delete`)

  const requested = (options.mechanism ?? []).map((m) => m.toUpperCase())
  if (requested.includes('PLAIN')) {
    throw new SamsaError(
      ErrorCodes.USAGE,
      `PLAIN users are not stored by Samsa (nor by Kafka): list them in the broker's properties, e.g.\n` +
        `  listener.name.sasl_ssl.plain.sasl.jaas.config=${PLAIN_LOGIN_MODULE} required user_${options.user ?? '<name>'}="<password>";\n` +
        'and restart the broker.',
    )
  }
  const bad = requested.find((m) => !isScramMechanism(m))
  if (bad !== undefined) throw usageError(`unknown mechanism '${bad}'; use ${SCRAM_MECHANISMS.join(' or ')} (PLAIN users live in the properties file)`)
  const mechanisms = (requested.length > 0 ? requested : SCRAM_MECHANISMS) as ScramMechanismName[]

  const config = options.config === undefined ? null : BrokerConfig.load({ file: options.config, env: {} })
  const { store, where } = await openStore(options, config)
  try {
    if (action === 'list') {
      const users = store.users()
      for (const { user, credentials } of users) {
        process.stdout.write(`${user}\t${credentials.map((c) => `${c.mechanism} (iterations=${c.iterations})`).join(', ')}\n`)
      }
      if (config !== null) for (const line of plainUsers(config)) process.stdout.write(`${line}\n`)
      if (users.length === 0) process.stderr.write(`No SCRAM users in ${where}.\n`)
      return
    }
    const user = options.user
    if (user === undefined || user === '') throw usageError('--user <name> is required')
    if (action === 'add') {
      const password = options.password
      if (password === undefined || password === '') throw usageError('--password <password> is required')
      const iterations = options.iterations === undefined ? SCRAM_DEFAULT_ITERATIONS : Number(options.iterations)
      const problem = Number.isInteger(iterations) ? checkIterations(iterations) : `--iterations must be a whole number, got '${options.iterations}'`
      if (problem !== null) throw usageError(problem)
      await store.alter(mechanisms.map((mechanism) => ({ user, mechanism, credential: newScramCredential(mechanism, password, iterations) })))
      process.stdout.write(`Set ${mechanisms.join(' and ')} credentials of user ${user} (iterations=${iterations}) in ${where}.\n`)
      return
    }
    const existing = mechanisms.filter((mechanism) => store.credential(user, mechanism) !== undefined)
    if (existing.length === 0) throw new SamsaError(ErrorCodes.USAGE, `User ${user} has no ${mechanisms.join(' or ')} credential in ${where}.`)
    await store.alter(existing.map((mechanism) => ({ user, mechanism, credential: null })))
    process.stdout.write(`Deleted ${existing.join(' and ')} credentials of user ${user} from ${where}.\n`)
  } finally {
    store.close()
    await closeConnection?.()
  }
}

let closeConnection: (() => Promise<void>) | undefined

async function openStore(
  options: { 'data-dir'?: string; etcd?: string; 'etcd-prefix'?: string },
  config: BrokerConfig | null,
): Promise<{ store: ScramCredentialStore; where: string }> {
  const given = [options['data-dir'], options.etcd, config].filter((x) => x !== undefined && x !== null).length
  if (given !== 1) throw usageError('give exactly one of --data-dir, --config and --etcd')
  const endpoints = options.etcd?.split(',') ?? (config?.clusterMode === true ? config.get('etcd.endpoints') : null)
  if (endpoints !== null && endpoints !== undefined) {
    const prefix = options['etcd-prefix'] ?? config?.get('etcd.prefix') ?? '/samsa'
    const { EtcdConnection } = await import('../cluster/etcd-connection.js')
    const { EtcdScramCredentialStore } = await import('../cluster/scram-credential-etcd-store.js')
    const { createLogger } = await import('../common/logger.js')
    const connection = await EtcdConnection.connect({ endpoints, prefix, logger: createLogger('samsa-user', 'warn') })
    closeConnection = () => connection.close()
    const store = new EtcdScramCredentialStore(connection)
    await store.start()
    return { store, where: `etcd ${endpoints.join(',')} (prefix ${prefix})` }
  }
  const dir = options['data-dir'] ?? config!.dataDir
  return { store: await FileScramCredentialStore.open(dir), where: dir }
}

/** The PLAIN users of every listener-prefixed or broker-wide PlainLoginModule entry. */
function plainUsers(config: BrokerConfig): string[] {
  const lines: string[] = []
  for (const listener of config.listeners()) {
    const text = config.saslSetting(listener.name, 'PLAIN', 'sasl.jaas.config')
    if (text === null || text === undefined) continue
    const entry = parseJaasConfig(text, `sasl.jaas.config of listener ${listener.name}`).find((m) => m.loginModule === PLAIN_LOGIN_MODULE)
    for (const key of entry?.options.keys() ?? []) {
      if (key.startsWith('user_')) lines.push(`${key.slice(5)}\tPLAIN (listener ${listener.name}, from the properties file)`)
    }
  }
  return lines
}
