/**
 * `samsa topic create|list|describe|delete|alter-config`, in the style of kafka-topics.sh and
 * `rpk topic`: the admin APIs through Samsa's client, so it works against any Kafka-compatible
 * broker. `describe` prints kafka-topics' layout: a topic line with its overrides, then one line
 * per partition with leader, replicas and ISR (and offline replicas when a broker is down).
 */
import { Admin, type TopicDescription } from '../client/admin.js'
import { DEFAULT_BOOTSTRAP, type PartitionInfo } from '../client/cluster.js'
import { ErrorCodes, SamsaError } from '../common/errors.js'
import { integer } from './produce.js'
import { parseCommandArgs, usageError } from './usage-error.js'

const help = `Usage: samsa topic <action> [options]

Actions:
  create <name> [--partitions <n>] [--replication-factor <n>] [--config <key=value>]... [--if-not-exists]
  list [--include-internal]
  describe [<name>...]                   partitions (leader, replicas, ISR, offline replicas) and
                                         overridden settings
  delete <name> [--if-exists]
  alter-config <name> [--set <key=value>]... [--delete <key>]...

Options:
  --bootstrap-server <host:port>  broker to connect to (default ${DEFAULT_BOOTSTRAP})
  -h, --help                      show this help

Examples:
  samsa topic create events --partitions 6 --config compression.type=zstd
  samsa topic describe events
  samsa topic alter-config events --set retention.ms=86400000
`

export async function run(argv: string[]): Promise<void> {
  const parsed = parseCommandArgs({
    args: argv,
    options: {
      'bootstrap-server': { type: 'string' },
      partitions: { type: 'string' },
      'replication-factor': { type: 'string' },
      config: { type: 'string', multiple: true },
      set: { type: 'string', multiple: true },
      delete: { type: 'string', multiple: true },
      'if-not-exists': { type: 'boolean' },
      'if-exists': { type: 'boolean' },
      'include-internal': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  })
  const options = parsed.values
  const [action, ...names] = parsed.positionals
  if (options.help === true || action === undefined) {
    process.stdout.write(help)
    if (action === undefined && options.help !== true) process.exitCode = 2
    return
  }
  const admin = new Admin({ bootstrapServers: options['bootstrap-server'] ?? DEFAULT_BOOTSTRAP, clientId: 'samsa-topic' })
  try {
    switch (action) {
      case 'create': {
        const name = oneName(names, 'create')
        try {
          await admin.createTopic({
            name,
            partitions: options.partitions === undefined ? -1 : integer('--partitions', options.partitions, 1),
            replicationFactor: options['replication-factor'] === undefined ? -1 : integer('--replication-factor', options['replication-factor'], 1),
            configs: keyValues(options.config ?? [], '--config'),
          })
        } catch (error) {
          if (options['if-not-exists'] === true && SamsaError.is(error) && error.message.includes('already exists')) return
          throw error
        }
        process.stdout.write(`Created topic ${name}.\n`)
        return
      }
      case 'list':
        for (const name of await admin.listTopics(options['include-internal'] === true)) process.stdout.write(`${name}\n`)
        return
      case 'describe':
        process.stdout.write(formatDescriptions(await admin.describeTopics(names)))
        return
      case 'delete': {
        const name = oneName(names, 'delete')
        try {
          await admin.deleteTopic(name)
        } catch (error) {
          if (options['if-exists'] === true && SamsaError.is(error) && error.message.includes('does not exist')) return
          throw error
        }
        process.stdout.write(`Deleted topic ${name}.\n`)
        return
      }
      case 'alter-config': {
        const name = oneName(names, 'alter-config')
        const set = keyValues(options.set ?? [], '--set')
        const remove = options.delete ?? []
        if (Object.keys(set).length === 0 && remove.length === 0) throw usageError('alter-config needs --set key=value or --delete key')
        await admin.alterTopicConfigs(name, set, remove)
        process.stdout.write(`Updated the configuration of topic ${name}.\n`)
        return
      }
      default:
        throw usageError(`unknown action '${action}'; use create, list, describe, delete or alter-config`)
    }
  } finally {
    admin.close()
  }
}

function oneName(names: string[], action: string): string {
  if (names.length !== 1) throw usageError(`${action} takes one topic name: samsa topic ${action} <name>`)
  return names[0]!
}

function keyValues(entries: readonly string[], flag: string): Record<string, string> {
  const result: Record<string, string> = {}
  for (const entry of entries) {
    const at = entry.indexOf('=')
    if (at <= 0) throw new SamsaError(ErrorCodes.USAGE, `${flag} takes key=value, not '${entry}'`)
    result[entry.slice(0, at)] = entry.slice(at + 1)
  }
  return result
}

/** kafka-topics.sh --describe's layout. */
export function formatDescriptions(topics: readonly TopicDescription[]): string {
  let out = ''
  for (const topic of topics) {
    const partitions = topic.partitions.filter((p) => p !== undefined)
    const replication = partitions[0]?.replicas.length ?? 0
    const configs =
      topic.configs === null
        ? '(the broker does not offer DescribeConfigs)'
        : topic.configs
            .filter((c) => c.isOverride)
            .map((c) => `${c.name}=${c.isSensitive ? '[hidden]' : (c.value ?? '')}`)
            .join(',')
    out += `Topic: ${topic.name}\tTopicId: ${topic.topicId}\tPartitionCount: ${partitions.length}\tReplicationFactor: ${replication}\tConfigs: ${configs}\n`
    for (const p of partitions) out += `${partitionLine(topic.name, p)}\n`
  }
  return out
}

/**
 * One partition in kafka-topics.sh --describe's layout. `Offline:` (replicas on brokers that are
 * not live) is Samsa's addition, shown only when there are some, so healthy output matches Kafka's.
 */
export function partitionLine(topic: string, p: PartitionInfo): string {
  const offline = p.offlineReplicas.length > 0 ? `\tOffline: ${p.offlineReplicas.join(',')}` : ''
  return `\tTopic: ${topic}\tPartition: ${p.partition}\tLeader: ${p.leader < 0 ? 'none' : p.leader}\tReplicas: ${p.replicas.join(',')}\tIsr: ${p.isr.join(',')}${offline}`
}
