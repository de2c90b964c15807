/**
 * One broker for a whole test run, for runners' global setup: started in the runner's main
 * process before any worker, its address handed to the test files through the environment the
 * workers inherit (SAMSA_TEST_BOOTSTRAP_SERVERS), closed by the teardown. useBroker() then uses
 * it instead of starting a broker per file, so the same test files run either way.
 */
import { type BrokerOptions, startBroker } from '../start-broker.js'

/** The variable that carries the shared broker's bootstrap servers to the test workers. */
export const SHARED_BROKER_VARIABLE = 'SAMSA_TEST_BOOTSTRAP_SERVERS'

/**
 * Starts the run's broker and resolves with its teardown. vitest: return it from a globalSetup
 * module's default export. jest: keep it on globalThis in globalSetup, call it in
 * globalTeardown.
 */
export async function startSharedBroker(options: BrokerOptions = {}): Promise<() => Promise<void>> {
  const broker = await startBroker(options)
  process.env[SHARED_BROKER_VARIABLE] = broker.bootstrapServers
  return async () => {
    delete process.env[SHARED_BROKER_VARIABLE]
    await broker.close()
  }
}

/** The shared broker's bootstrap servers, when a global setup started one for this run. */
export function sharedBrokerServers(): string | undefined {
  const servers = process.env[SHARED_BROKER_VARIABLE]
  return servers === undefined || servers === '' ? undefined : servers
}
