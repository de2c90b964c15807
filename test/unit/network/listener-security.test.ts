import { describe, expect, it } from 'vitest'
import { SamsaError } from '../../../src/common/errors.js'
import { startBroker } from '../../../src/start-broker.js'

describe('listener security at start', () => {
  it('refuses to start a SASL listener while no SASL mechanism can authenticate its clients, rather than serve it unauthenticated', async () => {
    for (const listeners of ['SASL_PLAINTEXT://127.0.0.1:0', 'PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0']) {
      const error = await startBroker({ listeners, 'http.port': 0 }).then(
        async (broker) => {
          await broker.close()
          return null
        },
        (caught: unknown) => caught,
      )
      expect(SamsaError.is(error, 'SAMSA_CONFIG')).toBe(true)
      expect((error as Error).message).toMatch(/listeners: SASL_\w+ uses SASL_\w+, and no SASL mechanism is available.*never serves a SASL listener unauthenticated/)
    }
  })

  it('refuses to start a TLS listener without a key store, naming the settings', async () => {
    const error = await startBroker({ listeners: 'SSL://127.0.0.1:0', 'http.port': 0 }).catch((caught: unknown) => caught)
    expect(SamsaError.is(error, 'SAMSA_CONFIG')).toBe(true)
    expect((error as Error).message).toMatch(/Listener SSL uses TLS and has no key store: set ssl\.keystore\.location/)
  })
})
