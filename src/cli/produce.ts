/**
 * `samsa produce <topic>`: records from stdin, one per line, like kafka-console-producer.sh and
 * `kcat -P`. With --key-separator each line is split at the first separator into key and value
 * (Kafka's parse.key=true key.separator=...). Exits once every record is acknowledged (per
 * --acks); any failure is reported with what to do, and the exit code is 1.
 */
import { createInterface } from 'node:readline'
import { ErrorCodes, SamsaError } from '../common/errors.js'
import { DEFAULT_BOOTSTRAP } from '../client/cluster.js'
import { Producer, type ProducerRecord } from '../client/producer.js'
import { closeWorkerPool } from '../workers/pool.js'
import { parseCommandArgs, usageError } from './usage-error.js'

const help = `Usage: samsa produce <topic> [options]

Reads records from stdin, one per line, and produces them to <topic>.

Options:
  --bootstrap-server <host:port>  broker to connect to (default ${DEFAULT_BOOTSTRAP})
  --key-separator <sep>           split each line at the first <sep> into key and value
  --header <key=value>            add this header to every record (repeatable)
  --partition <n>                 produce to this partition (default: by key hash, sticky without key)
  --compression <codec>           none, gzip, snappy, lz4 or zstd (default none)
  --acks <acks>                   all (or -1), 1 or 0 (default all)
  --idempotent                    idempotent producer: no duplicates when requests are retried
  --linger-ms <ms>                wait this long to fill batches (default 5)
  --batch-size <bytes>            largest batch per partition (default 65536)
  --null-marker <text>            a key or value equal to <text> is sent as null
  -h, --help                      show this help

Example:
  seq 1 5 | samsa produce events
  printf 'user-1:login\\nuser-2:logout\\n' | samsa produce events --key-separator :
`

/** Lines handed to the producer per send call (one promise per chunk, not per record). */
const CHUNK = 1000

export async function run(argv: string[]): Promise<void> {
  const parsed = parseCommandArgs({
    args: argv,
    options: {
      'bootstrap-server': { type: 'string' },
      'key-separator': { type: 'string' },
      header: { type: 'string', multiple: true },
      partition: { type: 'string' },
      compression: { type: 'string' },
      acks: { type: 'string' },
      idempotent: { type: 'boolean' },
      'linger-ms': { type: 'string' },
      'batch-size': { type: 'string' },
      'null-marker': { type: 'string' },
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
  if (topic === undefined) throw usageError('name the topic: samsa produce <topic>')
  if (extra.length > 0) throw usageError(`unexpected argument '${extra[0]}'; produce takes one topic`)
  const separator = options['key-separator']
  if (separator === '') throw usageError('--key-separator must not be empty')
  const headers = (options.header ?? []).map((text): [string, string] => {
    const at = text.indexOf('=')
    if (at <= 0) throw usageError(`--header takes key=value, not '${text}'`)
    return [text.slice(0, at), text.slice(at + 1)]
  })
  const partition = options.partition === undefined ? undefined : integer('--partition', options.partition, 0)
  const acks = parseAcks(options.acks ?? 'all')
  const nullMarker = options['null-marker']
  const producer = new Producer(
    { bootstrapServers: options['bootstrap-server'] ?? DEFAULT_BOOTSTRAP, clientId: 'samsa-produce' },
    {
      acks,
      compression: options.compression ?? 'none',
      idempotent: options.idempotent ?? false,
      lingerMs: options['linger-ms'] === undefined ? 5 : integer('--linger-ms', options['linger-ms'], 0),
      batchSize: options['batch-size'] === undefined ? 65_536 : integer('--batch-size', options['batch-size'], 1),
      allowAutoTopicCreation: true,
    },
  )

  const pending: Array<Promise<unknown>> = []
  let failure: unknown = null
  const fail = (error: unknown): void => {
    failure ??= error
  }
  const toNull = (text: string): string | null => (nullMarker !== undefined && text === nullMarker ? null : text)
  let chunk: ProducerRecord[] = []
  const flushChunk = async (): Promise<void> => {
    if (chunk.length === 0) return
    const records = chunk
    chunk = []
    // send() waits for room in the producer's buffer, which bounds memory for endless input.
    const sent = producer.send(topic, records)
    sent.catch(fail)
    pending.push(sent)
    if (pending.length > 64) await Promise.allSettled(pending.splice(0, 32))
  }
  try {
    const lines = createInterface({ input: process.stdin, crlfDelay: Infinity })
    for await (const line of lines) {
      if (failure !== null) break
      let key: string | null = null
      let value: string | null = line
      if (separator !== undefined) {
        const at = line.indexOf(separator)
        if (at < 0) throw usageError(`line ${JSON.stringify(line.slice(0, 80))} has no key separator '${separator}'`)
        key = toNull(line.slice(0, at))
        value = line.slice(at + separator.length)
      }
      chunk.push({ key, value: toNull(value), ...(headers.length > 0 && { headers }), ...(partition !== undefined && { partition }) })
      if (chunk.length >= CHUNK) await flushChunk()
    }
    await flushChunk()
    await Promise.allSettled(pending)
    if (failure !== null) throw failure
    await producer.close()
  } finally {
    await closeWorkerPool()
  }
}

function parseAcks(text: string): -1 | 0 | 1 {
  if (text === 'all' || text === '-1') return -1
  if (text === '1') return 1
  if (text === '0') return 0
  throw usageError(`--acks takes all, -1, 1 or 0, not '${text}'`)
}

export function integer(flag: string, text: string, min: number): number {
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value < min) throw new SamsaError(ErrorCodes.USAGE, `${flag} takes a whole number of at least ${min}, not '${text}'`)
  return value
}
