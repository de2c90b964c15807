/**
 * `startBroker()`: a broker inside the caller's process, for tests and for services that embed
 * Samsa, and the handle `samsa start` runs its broker through. It is a thin layer over the one
 * composition root (BrokerServer in server.ts): it turns options into a BrokerConfig, makes and
 * later removes a temporary data directory, and gives the caller what a Kafka client needs
 * (`bootstrapServers`) and a `close()` that releases the port, the files and the timers, so a
 * test runner can exit. Nothing here is module-global: several brokers live in one process.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BrokerConfig, type BrokerConfigName, isBrokerConfigName } from './common/config/broker-config.js'
import { ErrorCodes, SamsaError } from './common/errors.js'
import { type LogLevel, type Logger, createLogger } from './common/logger.js'
import type { Listener } from './common/config/broker-config.js'
import { BrokerServer } from './server.js'

/** A broker property's value: Kafka's text form, or the number, boolean or list it stands for. */
export type BrokerPropertyValue = string | number | boolean | readonly string[]

/** Kafka broker properties by their names: `{ 'num.partitions': 3 }`. */
export type BrokerProperties = { readonly [Name in BrokerConfigName]?: BrokerPropertyValue }

export interface BrokerOptions extends BrokerProperties {
  /** The Kafka listener's port; default 0, a free port the OS picks (read it from `port`). */
  readonly port?: number
  /** The address to listen on; default 127.0.0.1. */
  readonly host?: string
  /** The log directory (log.dirs). Default: a new temporary directory, removed by close(). */
  readonly dataDir?: string
  /** Keep the temporary data directory on close (to look at the logs after a test). */
  readonly keepDataDir?: boolean
  /** debug, info, warn (the default), error or silent; the log goes to stderr. */
  readonly logLevel?: LogLevel
}

/**
 * What startBroker() sets unless the caller does, where an in-process broker differs from
 * `samsa start`: no HTTP gateway (http.port 8082 would make a second broker in the process fail),
 * no wait before a new group's first rebalance (Kafka's 3 s delay only slows tests down), and one
 * __consumer_offsets partition instead of 50 (each is a directory of files to create at start;
 * Testcontainers' Kafka makes the same choice).
 */
export const embeddedDefaults: BrokerProperties = {
  'http.port': 0,
  'group.initial.rebalance.delay.ms': 0,
  'offsets.topic.num.partitions': 1,
}

const optionNames = new Set(['port', 'host', 'dataDir', 'keepDataDir', 'logLevel'])
const logLevels: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent']

export interface CreateTopicOptions {
  /** Default: the broker's num.partitions. */
  readonly partitions?: number
  /** Default: the broker's default.replication.factor. */
  readonly replicationFactor?: number
  /** Topic-level settings by Kafka's names: `{ 'cleanup.policy': 'compact' }`. */
  readonly configs?: Readonly<Record<string, string | number | boolean>>
}

/** A running broker. close() (or `await using`) stops it. */
export class Broker implements AsyncDisposable {
  readonly #server: BrokerServer
  /** The temporary data directory this handle made and removes on close; null if the caller's. */
  readonly #ownedDataDir: string | null
  #closing: Promise<void> | null = null

  private constructor(server: BrokerServer, ownedDataDir: string | null) {
    this.#server = server
    this.#ownedDataDir = ownedDataDir
  }

  /**
   * Starts a broker from a configuration already resolved (the `samsa start` command's route:
   * file, environment, --set and flags). `ownedDataDir` is removed once the broker has stopped.
   */
  static async launch(config: BrokerConfig, logger: Logger, ownedDataDir: string | null = null): Promise<Broker> {
    try {
      return new Broker(await BrokerServer.start(config, logger), ownedDataDir)
    } catch (error) {
      if (ownedDataDir !== null) rmSync(ownedDataDir, { recursive: true, force: true })
      throw error
    }
  }

  /** `host:port` of the Kafka listener, for a client's bootstrap servers / brokers list. */
  get bootstrapServers(): string {
    const { host, port } = this.#server.advertisedListeners[0]!
    return `${host.includes(':') ? `[${host}]` : host}:${port}`
  }

  /** The host clients connect to (the advertised one). */
  get host(): string {
    return this.#server.advertisedListeners[0]!.host
  }

  /** The Kafka listener's port, the one the OS picked when the option was 0. */
  get port(): number {
    return this.#server.advertisedListeners[0]!.port
  }

  get nodeId(): number {
    return this.#server.config.nodeId
  }

  /** Every advertised listener with the port it is bound to (NAME, host, port, security protocol). */
  get listeners(): readonly Listener[] {
    return this.#server.advertisedListeners
  }

  get dataDir(): string {
    return this.#server.config.dataDir
  }

  /** The HTTP gateway's base URL, or null when it is off (the default; set 'http.port'). */
  get httpUrl(): string | null {
    return this.#server.httpUrl
  }

  /**
   * Creates a topic and resolves once its partitions are ready to take records on this broker.
   * Rejects with a SamsaError (code SAMSA_TOPIC) whose `kafkaError` names Kafka's error, e.g.
   * TOPIC_ALREADY_EXISTS or INVALID_TOPIC_EXCEPTION.
   */
  async createTopic(name: string, options: CreateTopicOptions = {}): Promise<void> {
    await this.#server.context.topics.createTopic(name, {
      partitions: options.partitions ?? -1,
      replicationFactor: options.replicationFactor ?? -1,
      configs: Object.fromEntries(Object.entries(options.configs ?? {}).map(([key, value]) => [key, String(value)])),
    })
  }

  /**
   * Clean shutdown (as on SIGTERM: the logs are flushed and checkpointed), then removes the
   * temporary data directory. Resolves when the port, files, timers and worker threads this
   * broker held are released. Safe to call more than once.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#server.shutdown()
      if (this.#ownedDataDir !== null) rmSync(this.#ownedDataDir, { recursive: true, force: true })
    })()
    return this.#closing
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close()
  }
}

/**
 * Starts a broker in this process. Options take Kafka's broker property names
 * (`{ 'num.partitions': 3, 'auto.create.topics.enable': false }`) plus `port`, `host`, `dataDir`,
 * `keepDataDir` and `logLevel`. Rejects with a SamsaError (code SAMSA_CONFIG) naming the problem
 * for an unknown property, an invalid value or a data directory another broker holds.
 */
export async function startBroker(options: BrokerOptions = {}): Promise<Broker> {
  const { port = 0, host = '127.0.0.1', dataDir, keepDataDir = false, logLevel = 'warn' } = options
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw configError(`Invalid option port: ${JSON.stringify(port)} is not a port number. Pass an integer 0-65535 (0 lets the OS pick a free port).`)
  }
  if (typeof host !== 'string' || host === '') throw configError(`Invalid option host: ${JSON.stringify(host)}. Pass an address such as '127.0.0.1'.`)
  if (dataDir !== undefined && (typeof dataDir !== 'string' || dataDir === '')) {
    throw configError(`Invalid option dataDir: ${JSON.stringify(dataDir)}. Pass a directory path, or leave it out for a temporary directory.`)
  }
  if (!logLevels.includes(logLevel)) throw configError(`Invalid option logLevel: ${JSON.stringify(logLevel)}. Use one of ${logLevels.join(', ')}.`)

  const properties: Record<string, string> = {}
  for (const [name, value] of Object.entries({ ...embeddedDefaults, ...options })) {
    if (optionNames.has(name) || value === undefined) continue
    if (!isBrokerConfigName(name)) {
      throw configError(`Unknown option '${name}'. Options are Kafka broker property names (e.g. 'num.partitions', 'log.retention.ms') and ${[...optionNames].join(', ')}.`)
    }
    properties[name] = propertyText(name, value)
  }
  if (properties['log.dirs'] !== undefined || properties['log.dir'] !== undefined) {
    throw configError("Set the data directory with the dataDir option, not 'log.dirs'/'log.dir' (a broker has exactly one).")
  }
  // 'listeners' names every listener with its address (SSL ones need the ssl.* options too);
  // without it, port and host make the one PLAINTEXT listener.
  const listenersGiven = properties['listeners'] !== undefined
  if (listenersGiven && (options.port !== undefined || options.host !== undefined)) {
    throw configError("Give either 'listeners' (every listener with its address) or the port and host options, not both.")
  }

  const ownedDataDir = dataDir === undefined ? mkdtempSync(join(tmpdir(), 'samsa-')) : null
  let config: BrokerConfig
  try {
    config = BrokerConfig.load({ options: properties, ...(!listenersGiven && { port: String(port), host }), dataDir: dataDir ?? ownedDataDir!, env: {} })
  } catch (error) {
    if (ownedDataDir !== null) rmSync(ownedDataDir, { recursive: true, force: true })
    throw error
  }
  return Broker.launch(config, createLogger('samsa', logLevel), keepDataDir ? null : ownedDataDir)
}

function propertyText(name: string, value: unknown): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value.join(',')
  throw configError(`Invalid value ${JSON.stringify(value) ?? String(value)} for option '${name}': expected a string, number, boolean or list of strings.`)
}

function configError(message: string): SamsaError {
  return new SamsaError(ErrorCodes.CONFIG, message)
}
