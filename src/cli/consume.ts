/**
 * `samsa consume <topic>`: prints records as JSON lines (topic, partition, offset, timestamp,
 * key, value, headers), in the spirit of kafka-console-consumer.sh and `kcat -C -J`. Starts at
 * the end unless told otherwise (--from-beginning, --offset, --from-time), reads every partition
 * or one (--partition), alone or as a group member (--group, offsets committed), and stops after
 * --count records, after --timeout-ms without a record, or on Ctrl-C.
 */
import { DEFAULT_BOOTSTRAP } from '../client/cluster.js'
import { Consumer, type ConsumerRecord, type StartPosition } from '../client/consumer.js'
import { closeWorkerPool } from '../workers/pool.js'
import { integer } from './produce.js'
import { parseCommandArgs, usageError } from './usage-error.js'

const help = `Usage: samsa consume <topic> [options]

Prints the records of <topic>, one JSON object per line:
  {"topic":"t","partition":0,"offset":0,"timestamp":1700000000000,"key":"k","value":"v","headers":{}}
Keys, values and header values are shown as UTF-8 text (null stays null).

Options:
  --bootstrap-server <host:port>  broker to connect to (default ${DEFAULT_BOOTSTRAP})
  --from-beginning                start at the earliest offset (default: only new records)
  --offset <n|earliest|latest>    start at this offset in every partition read
  --from-time <time>              start at the first record at or after <time> (ISO 8601 or ms)
  --partition <n>                 read only this partition
  --group <id>                    read as a member of consumer group <id>, committing offsets
  --count <n>                     exit after <n> records (alias --max-messages)
  --timeout-ms <ms>               exit when no record arrives for <ms>
  --format <json|value>           json (default) or the value alone
  -h, --help                      show this help

Example:
  samsa consume events --from-beginning --count 10
`

export async function run(argv: string[]): Promise<void> {
  const parsed = parseCommandArgs({
    args: argv,
    options: {
      'bootstrap-server': { type: 'string' },
      'from-beginning': { type: 'boolean' },
      offset: { type: 'string' },
      'from-time': { type: 'string' },
      partition: { type: 'string' },
      group: { type: 'string' },
      count: { type: 'string' },
      'max-messages': { type: 'string' },
      'timeout-ms': { type: 'string' },
      format: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  })
  const options = parsed.values
  if (options.help === true) {
    process.stdout.write(help)
    return
  }
  const [topic, ...extra] = parsed.positionals
  if (topic === undefined) throw usageError('name the topic: samsa consume <topic>')
  if (extra.length > 0) throw usageError(`unexpected argument '${extra[0]}'; consume takes one topic`)
  const starts = [options['from-beginning'] === true, options.offset !== undefined, options['from-time'] !== undefined].filter(Boolean).length
  if (starts > 1) throw usageError('choose one of --from-beginning, --offset and --from-time')
  const from = startPosition(options)
  const countText = options.count ?? options['max-messages']
  const limit = countText === undefined ? Infinity : integer('--count', countText, 1)
  const timeoutMs = options['timeout-ms'] === undefined ? Infinity : integer('--timeout-ms', options['timeout-ms'], 0)
  const format = options.format ?? 'json'
  if (format !== 'json' && format !== 'value') throw usageError(`--format takes json or value, not '${format}'`)
  const partition = options.partition === undefined ? undefined : integer('--partition', options.partition, 0)
  const group = options.group
  if (group !== undefined && partition !== undefined) throw usageError('--partition and --group do not mix: the group decides the partitions')

  const consumer = new Consumer(
    { bootstrapServers: options['bootstrap-server'] ?? DEFAULT_BOOTSTRAP, clientId: 'samsa-consume' },
    {
      ...(group !== undefined && { groupId: group }),
      autoOffsetReset: from === 'earliest' ? 'earliest' : 'latest',
    },
  )
  let stopping = false
  const onSignal = (): void => {
    stopping = true
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    // A closed pipe (`| head`) ends the command quietly, as it does for cat.
    if (error.code === 'EPIPE') stopping = true
  })
  let printed = 0
  try {
    if (group !== undefined) await consumer.subscribe([topic])
    else if (partition !== undefined) await consumer.assign([{ topic, partition, from }])
    else await consumer.assignTopics([topic], from)
    let lastRecordAt = Date.now()
    while (!stopping && printed < limit) {
      const records = await consumer.poll()
      if (records.length === 0) {
        if (Date.now() - lastRecordAt >= timeoutMs) break
        continue
      }
      lastRecordAt = Date.now()
      const take = Math.min(records.length, limit - printed)
      let out = ''
      for (let i = 0; i < take; i++) out += format === 'json' ? `${toJson(records[i]!)}\n` : `${records[i]!.value?.toString() ?? ''}\n`
      printed += take
      if (take < records.length) rewind(consumer, records, take)
      if (!process.stdout.write(out)) await new Promise((resolve) => process.stdout.once('drain', resolve))
    }
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    await consumer.close()
    await closeWorkerPool()
  }
}

function startPosition(options: { 'from-beginning'?: boolean; offset?: string; 'from-time'?: string }): StartPosition {
  if (options['from-beginning'] === true) return 'earliest'
  if (options.offset !== undefined) {
    if (options.offset === 'earliest' || options.offset === 'latest') return options.offset
    return integer('--offset', options.offset, 0)
  }
  if (options['from-time'] !== undefined) {
    const text = options['from-time']
    const timestamp = /^\d+$/.test(text) ? Number(text) : Date.parse(text)
    if (Number.isNaN(timestamp)) throw usageError(`--from-time takes an ISO 8601 time or milliseconds since the epoch, not '${text}'`)
    return { timestamp }
  }
  return 'latest'
}

/** Puts positions back to the first record not printed, so a group commits only what was shown. */
function rewind(consumer: Consumer, records: readonly ConsumerRecord[], printed: number): void {
  const firstUnprinted = new Map<string, ConsumerRecord>()
  for (let i = printed; i < records.length; i++) {
    const record = records[i]!
    const id = `${record.topic}\u0000${record.partition}`
    if (!firstUnprinted.has(id)) firstUnprinted.set(id, record)
  }
  for (const record of firstUnprinted.values()) consumer.seek(record.topic, record.partition, record.offset)
}

function toJson(record: ConsumerRecord): string {
  const headers: Record<string, string | null | Array<string | null>> = {}
  for (const [key, value] of record.headers) {
    const text = value === null ? null : value.toString()
    const existing = headers[key]
    // A repeated header key keeps every value, in order.
    if (existing === undefined) headers[key] = text
    else headers[key] = Array.isArray(existing) ? [...existing, text] : [existing, text]
  }
  return JSON.stringify({
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    key: record.key === null ? null : record.key.toString(),
    value: record.value === null ? null : record.value.toString(),
    headers,
  })
}
