/**
 * useBroker(): one in-process broker per test file, started before the file's first test and
 * closed after its last, with a fresh topic per test. Works with vitest and jest: it registers
 * its own beforeAll/afterAll, taken from the `hooks` option or, when that is left out, from the
 * test runner's globals (jest always has them; vitest with `globals: true`).
 *
 * When the run's global setup started a shared broker (startSharedBroker, shared-broker.ts),
 * every file uses that one instead, and its topics are made through the Kafka protocol; the
 * broker options given here are then the global setup's business and are not used.
 */
import type { ConsumerRecord } from '../client/consumer.js'
import type { RecordMetadata } from '../client/producer.js'
import { ErrorCodes, SamsaError } from '../common/errors.js'
import { type Broker, type BrokerOptions, type CreateTopicOptions, startBroker } from '../start-broker.js'
import { Admin } from '../client/admin.js'
import { type ProduceAndWaitOptions, type TestMessage, type WaitForMessagesOptions, produceAndWait, waitForMessages } from './messages.js'
import { sharedBrokerServers } from './shared-broker.js'

type Hook = (fn: () => Promise<void>, timeoutMs?: number) => void

/** The test runner's hooks: `import { beforeAll, afterAll } from 'vitest'`, or jest's globals. */
export interface TestHooks {
  readonly beforeAll: Hook
  readonly afterAll: Hook
}

export interface UseBrokerOptions extends BrokerOptions {
  /** Default: the global beforeAll and afterAll. */
  readonly hooks?: TestHooks
  /** The hooks' timeout; default 30 000 ms (start and stop take well under a second). */
  readonly hookTimeoutMs?: number
}

export interface TopicOptions extends CreateTopicOptions {
  /** The start of the topic's name; default 'test'. */
  readonly prefix?: string
}

/** The file's broker, available inside tests (after beforeAll). */
export interface TestBroker {
  /**
   * The running broker; throws outside a test (before beforeAll or after afterAll), and with a
   * shared broker, which runs in the runner's main process (use bootstrapServers).
   */
  readonly broker: Broker
  readonly bootstrapServers: string
  /** Creates a topic no other test uses and resolves with its name (`test-1-k3f9`). */
  topic(options?: TopicOptions): Promise<string>
  produceAndWait(topic: string, messages: TestMessage | readonly TestMessage[], options?: ProduceAndWaitOptions): Promise<RecordMetadata[]>
  waitForMessages(topic: string, count: number, options?: WaitForMessagesOptions): Promise<ConsumerRecord[]>
}

export function useBroker(options: UseBrokerOptions = {}): TestBroker {
  const { hooks = globalHooks(), hookTimeoutMs = 30_000, ...brokerOptions } = options
  const shared = sharedBrokerServers()
  let broker: Broker | undefined
  let inFile = false
  let topics = 0
  const running = (): Broker => {
    if (shared !== undefined) {
      throw new SamsaError(ErrorCodes.USAGE, `The run's shared broker (${shared}) lives in the test runner's main process; use bootstrapServers.`)
    }
    if (broker === undefined) throw outsideTests()
    return broker
  }
  const servers = (): string => {
    if (shared === undefined) return running().bootstrapServers
    if (!inFile) throw outsideTests()
    return shared
  }
  hooks.beforeAll(async () => {
    inFile = true
    if (shared === undefined) broker = await startBroker(brokerOptions)
  }, hookTimeoutMs)
  hooks.afterAll(async () => {
    inFile = false
    const stopping = broker
    broker = undefined
    await stopping?.close()
  }, hookTimeoutMs)
  return {
    get broker() {
      return running()
    },
    get bootstrapServers() {
      return servers()
    },
    async topic({ prefix = 'test', ...create } = {}) {
      // Unique within the file by the counter, across files sharing a broker by the suffix.
      const name = `${prefix}-${++topics}-${Math.random().toString(36).slice(2, 6)}`
      if (shared === undefined) {
        await running().createTopic(name, create)
      } else {
        await createTopicThrough(servers(), name, create)
      }
      return name
    },
    produceAndWait: (topic, messages, produceOptions) => produceAndWait(servers(), topic, messages, produceOptions),
    waitForMessages: (topic, count, waitOptions) => waitForMessages(servers(), topic, count, waitOptions),
  }
}

/** CreateTopics through the Kafka protocol, for a broker in another process. */
async function createTopicThrough(bootstrapServers: string, name: string, options: CreateTopicOptions): Promise<void> {
  const admin = new Admin({ bootstrapServers })
  try {
    await admin.createTopic({
      name,
      partitions: options.partitions ?? -1,
      replicationFactor: options.replicationFactor ?? -1,
      configs: Object.fromEntries(Object.entries(options.configs ?? {}).map(([key, value]) => [key, String(value)])),
    })
  } finally {
    admin.close()
  }
}

function outsideTests(): SamsaError {
  return new SamsaError(ErrorCodes.USAGE, 'The test broker runs from beforeAll to afterAll: use it inside a test or a hook registered after useBroker().')
}

function globalHooks(): TestHooks {
  const scope = globalThis as { beforeAll?: Hook; afterAll?: Hook }
  if (typeof scope.beforeAll !== 'function' || typeof scope.afterAll !== 'function') {
    throw new SamsaError(
      ErrorCodes.USAGE,
      "useBroker() found no global beforeAll/afterAll. Pass the runner's hooks: useBroker({ hooks: { beforeAll, afterAll } }) with them imported from 'vitest' (or enable vitest's globals).",
    )
  }
  return { beforeAll: scope.beforeAll, afterAll: scope.afterAll }
}
