/**
 * Test helper: a real Broker (storage, metadata, handlers, listener) inside the test process, on a
 * free port and a temporary data directory, for handler tests that also need to reach inside
 * (a partition's leader epoch, its log) to set up cases a client cannot.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BrokerServer } from '../../src/server.js'
import { BrokerConfig } from '../../src/common/config/broker-config.js'
import { createLogger } from '../../src/common/logger.js'
import { ApiKeys } from '../../src/protocol/index.js'
import { track, untrack } from './leaks.js'
import { WireClient } from './wire-client.js'

export interface InProcessBroker {
  readonly broker: BrokerServer
  readonly client: WireClient
  /** Creates topics through Metadata auto-creation (num.partitions each). */
  createTopics(...names: string[]): Promise<void>
  stop(): Promise<void>
}

export async function startInProcessBroker(settings: Record<string, string | number> = {}): Promise<InProcessBroker> {
  const dataDir = mkdtempSync(join(tmpdir(), 'samsa-unit-'))
  const config = BrokerConfig.load({
    port: '0',
    dataDir,
    // No HTTP gateway unless asked: every broker would otherwise bind 8082.
    set: Object.entries({ 'http.port': 0, ...settings }).map(([key, value]) => `${key}=${value}`),
    env: {},
  })
  const removeDataDir = (): void => rmSync(dataDir, { recursive: true, force: true })
  const broker = await BrokerServer.start(config, createLogger('test', 'silent')).catch((error: unknown) => {
    removeDataDir()
    throw error
  })
  const address = broker.advertisedListeners[0]!
  const client = await WireClient.connect(address.host, address.port).catch(async (error: unknown) => {
    await broker.shutdown()
    removeDataDir()
    throw error
  })
  const stop = async (): Promise<void> => {
    untrack(broker)
    client.close()
    await broker.shutdown()
    removeDataDir()
  }
  // Until stop() the leak check counts it (test/helpers/leaks.ts), and stops it if left running.
  track(broker, `in-process broker on ${dataDir}`, stop)
  return {
    broker,
    client,
    async createTopics(...names) {
      await client.request(ApiKeys.Metadata, 9, { topics: names.map((name) => ({ name })), allowAutoTopicCreation: true })
    },
    stop,
  }
}
