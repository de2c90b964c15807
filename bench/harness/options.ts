/**
 * The harness's command line: `npm run bench -- [options]` or `samsa bench [options]`.
 * Parses and checks everything up front, so a typo fails before any broker starts.
 */
import { parseArgs } from 'node:util'
import { parseHostPort } from '../../src/client/cluster.js'
import { ErrorCodes, SamsaError } from '../../src/common/errors.js'
import {
  type Acks,
  type CompressionName,
  DEFAULT_SUITE,
  type KeyDistributor,
  type ProducerRate,
  QUICK_TIMING,
  type Workload,
  type WorkloadOverrides,
  compressionNames,
  describeWorkload,
  keyDistributors,
  presetNamed,
  presets,
  withOverrides,
} from './workloads.js'

export const HELP = `Usage: npm run bench -- [options]     (or: samsa bench [options])

End-to-end throughput and latency of a Kafka-compatible broker, measured with Samsa's lean
client in worker threads. With no options it starts a Samsa broker (a separate process on a free
loopback port, temporary data directory) and runs the default suite (${DEFAULT_SUITE.join(', ')}).

Brokers
  --bootstrap <host:port>     measure this running broker instead (Apache Kafka, Redpanda, Samsa, ...)
  --compare <host:port>       also run every workload against this broker, alternating, and print
                              each figure for both with their ratio
  --label <name>              name of the first broker in tables and charts
  --compare-label <name>      name of the second broker
  --broker-pid <pid>          read the first broker's CPU and memory from /proc/<pid>
  --compare-pid <pid>         the same for the second broker (both are found by their listening
                              port when the address is local, so these are rarely needed)
  --broker-set <key=value>    a setting for the embedded Samsa broker (repeatable)

Workloads (OpenMessaging Benchmark's terms; these override every preset that runs)
  --preset <name>[,<name>]    presets to run (repeatable); --list-presets shows them
  --quick                     the default suite with ${QUICK_TIMING.warmupSeconds} s warm-up and ${QUICK_TIMING.durationSeconds} s per run (under a minute)
  --topics <n>                topics
  --partitions <n>            partitions per topic
  --message-size <bytes>      payload bytes per message
  --producers <n>             producers per topic
  --consumers <n>             consumers per subscription
  --subscriptions <n>         subscriptions per topic (each reads every message)
  --rate <max|msg/s|N%>       total producer rate: max, a fixed rate, or a share of the maximum a
                              max-rate run of the same workload measured first (e.g. 50%)
  --acks <0|1|all>            producer acks
  --compression <codec>       none, gzip, snappy, lz4 or zstd
  --keys <distributor>        none, round-robin or random
  --random-bytes-ratio <0-1>  share of each payload that is random (the rest compresses well)
  --duration <time>           measured time per run, e.g. 30s or 2m
  --warmup <time>             warm-up before measuring
  --batch-size <bytes>        producer batch.size
  --linger <ms>               producer linger.ms
  --max-in-flight <n>         produce requests in flight per connection
  --repetitions <n>           runs per workload and broker (alternating A, B, A, B)

Harness
  --producer-threads <n>      threads the producers are spread over (default: min(producers, 2))
  --consumer-threads <n>      threads the consumers are spread over (default: min(consumers, 2))
  --replication-factor <n>    of the run's topics (default 1)
  --keep-topics               leave the run's topics on an external broker
  --out <dir>                 where the JSON and HTML go (default bench/results/<date-time>)
  --list-presets              list the presets and exit
  -h, --help                  this help
`

export interface TargetSpec {
  /** null: start an embedded Samsa broker. */
  readonly bootstrap: string | null
  readonly label: string | null
  readonly pid: number | null
}

export interface HarnessOptions {
  readonly help: boolean
  readonly listPresets: boolean
  readonly targets: readonly TargetSpec[]
  readonly workloads: readonly Workload[]
  readonly repetitions: number
  readonly producerThreads: number | null
  readonly consumerThreads: number | null
  readonly replicationFactor: number
  readonly brokerSettings: Readonly<Record<string, string>>
  readonly keepTopics: boolean
  readonly outDir: string | null
  readonly quick: boolean
}

function usage(message: string): SamsaError {
  return new SamsaError(ErrorCodes.USAGE, `${message} (see npm run bench -- --help)`)
}

function positiveInteger(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!(Number.isInteger(n) && n > 0)) throw usage(`${flag} takes a positive whole number, not '${value}'`)
  return n
}

function nonNegativeNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!(Number.isFinite(n) && n >= 0)) throw usage(`${flag} takes a number of 0 or more, not '${value}'`)
  return n
}

/** `30`, `30s`, `1.5m`, `500ms` → seconds. */
export function parseDuration(value: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim())
  if (match === null) throw usage(`${flag} takes a time like 30s, 2m or 500ms, not '${value}'`)
  const n = Number(match[1])
  return match[2] === 'ms' ? n / 1000 : match[2] === 'm' ? n * 60 : n
}

/** `max`, `250000`, `250k`, `1M`, `50%` → a producer rate. */
export function parseRate(value: string): ProducerRate {
  const text = value.trim().toLowerCase()
  if (text === 'max') return { kind: 'max' }
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(text)
  if (percent !== null) {
    const fraction = Number(percent[1]) / 100
    if (!(fraction > 0 && fraction <= 1)) throw usage(`--rate ${value}: a share of the maximum lies between 0% and 100%`)
    return { kind: 'fraction-of-max', fraction }
  }
  const fixed = /^(\d+(?:\.\d+)?)([km])?$/.exec(text)
  if (fixed !== null) {
    const n = Number(fixed[1]) * (fixed[2] === 'k' ? 1e3 : fixed[2] === 'm' ? 1e6 : 1)
    if (n > 0) return { kind: 'fixed', messagesPerSecond: n }
  }
  throw usage(`--rate takes max, a rate in msg/s (e.g. 250000 or 250k) or a share of the maximum (e.g. 50%), not '${value}'`)
}

function parseAcks(value: string | undefined): Acks | undefined {
  if (value === undefined) return undefined
  if (value === 'all' || value === '-1') return -1
  if (value === '0' || value === '1') return Number(value) as Acks
  throw usage(`--acks takes 0, 1 or all, not '${value}'`)
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], flag: string): T | undefined {
  if (value === undefined) return undefined
  if (!(allowed as readonly string[]).includes(value)) throw usage(`${flag} takes ${allowed.join(', ')}, not '${value}'`)
  return value as T
}

function checkAddress(value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined
  try {
    parseHostPort(value)
  } catch {
    throw usage(`${flag} takes host:port, e.g. 127.0.0.1:9092, not '${value}'`)
  }
  return value
}

export function parseOptions(argv: readonly string[]): HarnessOptions {
  let parsed
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        bootstrap: { type: 'string' },
        compare: { type: 'string' },
        label: { type: 'string' },
        'compare-label': { type: 'string' },
        'broker-pid': { type: 'string' },
        'compare-pid': { type: 'string' },
        'broker-set': { type: 'string', multiple: true },
        preset: { type: 'string', multiple: true },
        quick: { type: 'boolean' },
        topics: { type: 'string' },
        partitions: { type: 'string' },
        'message-size': { type: 'string' },
        producers: { type: 'string' },
        consumers: { type: 'string' },
        subscriptions: { type: 'string' },
        rate: { type: 'string' },
        acks: { type: 'string' },
        compression: { type: 'string' },
        keys: { type: 'string' },
        'random-bytes-ratio': { type: 'string' },
        duration: { type: 'string' },
        warmup: { type: 'string' },
        'batch-size': { type: 'string' },
        linger: { type: 'string' },
        'max-in-flight': { type: 'string' },
        repetitions: { type: 'string' },
        'producer-threads': { type: 'string' },
        'consumer-threads': { type: 'string' },
        'replication-factor': { type: 'string' },
        'keep-topics': { type: 'boolean' },
        out: { type: 'string' },
        'list-presets': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    })
  } catch (error) {
    throw usage((error as Error).message)
  }
  const v = parsed.values
  const quick = v.quick === true
  const overrides: { -readonly [K in keyof WorkloadOverrides]: WorkloadOverrides[K] } = {}
  const set = <K extends keyof WorkloadOverrides>(key: K, value: WorkloadOverrides[K] | undefined): void => {
    if (value !== undefined) overrides[key] = value
  }
  if (quick) {
    overrides.warmupSeconds = QUICK_TIMING.warmupSeconds
    overrides.durationSeconds = QUICK_TIMING.durationSeconds
  }
  set('topics', positiveInteger(v.topics, '--topics'))
  set('partitionsPerTopic', positiveInteger(v.partitions, '--partitions'))
  const size = nonNegativeNumber(v['message-size'], '--message-size')
  if (size !== undefined && !Number.isInteger(size)) throw usage('--message-size takes a whole number of bytes')
  set('messageSize', size)
  set('producersPerTopic', positiveInteger(v.producers, '--producers'))
  set('consumerPerSubscription', positiveInteger(v.consumers, '--consumers'))
  set('subscriptionsPerTopic', positiveInteger(v.subscriptions, '--subscriptions'))
  if (v.rate !== undefined) set('producerRate', parseRate(v.rate))
  set('acks', parseAcks(v.acks))
  set('compression', oneOf<CompressionName>(v.compression, compressionNames, '--compression'))
  set('keyDistributor', oneOf<KeyDistributor>(v.keys, keyDistributors, '--keys'))
  set('randomBytesRatio', nonNegativeNumber(v['random-bytes-ratio'], '--random-bytes-ratio'))
  if (v.duration !== undefined) set('durationSeconds', parseDuration(v.duration, '--duration'))
  if (v.warmup !== undefined) set('warmupSeconds', parseDuration(v.warmup, '--warmup'))
  set('batchSize', positiveInteger(v['batch-size'], '--batch-size'))
  set('lingerMs', nonNegativeNumber(v.linger, '--linger'))
  set('maxInFlight', positiveInteger(v['max-in-flight'], '--max-in-flight'))

  const names = (v.preset ?? []).flatMap((p) => p.split(',')).map((p) => p.trim()).filter((p) => p !== '')
  const workloads = (names.length === 0 ? [...DEFAULT_SUITE] : names).map((name) => withOverrides(presetNamed(name), overrides))

  const pid = (value: string | undefined, flag: string): number | null => positiveInteger(value, flag) ?? null
  const brokerSettings: Record<string, string> = {}
  for (const entry of v['broker-set'] ?? []) {
    const at = entry.indexOf('=')
    if (at <= 0) throw usage(`--broker-set takes key=value, not '${entry}'`)
    brokerSettings[entry.slice(0, at)] = entry.slice(at + 1)
  }
  const targets: TargetSpec[] = [{ bootstrap: checkAddress(v.bootstrap, '--bootstrap') ?? null, label: v.label ?? null, pid: pid(v['broker-pid'], '--broker-pid') }]
  if (v.compare !== undefined) targets.push({ bootstrap: checkAddress(v.compare, '--compare')!, label: v['compare-label'] ?? null, pid: pid(v['compare-pid'], '--compare-pid') })
  else if (v['compare-label'] !== undefined || v['compare-pid'] !== undefined) throw usage('--compare-label and --compare-pid need --compare')
  if (Object.keys(brokerSettings).length > 0 && targets[0]!.bootstrap !== null) throw usage('--broker-set configures the embedded broker; with --bootstrap, configure that broker itself')

  return {
    help: v.help === true,
    listPresets: v['list-presets'] === true,
    targets,
    workloads,
    repetitions: positiveInteger(v.repetitions, '--repetitions') ?? 1,
    producerThreads: positiveInteger(v['producer-threads'], '--producer-threads') ?? null,
    consumerThreads: positiveInteger(v['consumer-threads'], '--consumer-threads') ?? null,
    replicationFactor: positiveInteger(v['replication-factor'], '--replication-factor') ?? 1,
    brokerSettings,
    keepTopics: v['keep-topics'] === true,
    outDir: v.out ?? null,
    quick,
  }
}

export function presetList(): string {
  return presets.map((p) => `${p.name}\n  ${p.description}\n  ${describeWorkload(p)}`).join('\n\n') + '\n'
}
