import { describe, expect, it } from 'vitest'
import { SamsaError } from '../../../src/common/errors.js'
import { startBroker } from '../../../src/start-broker.js'

describe('listener security at start', () => {
  it('refuses to start a SASL listener whose mechanisms Samsa cannot serve (GSSAPI, Kafka\'s default), rather than serve it unauthenticated', async () => {
    for (const listeners of ['SASL_PLAINTEXT://127.0.0.1:0', 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0']) {
      const error = await startBroker({ listeners, 'http.port': 0 }).then(
        async (broker) => {
          await broker.close()
          return null
        },
        (caught: unknown) => caught,
      )
      expect(SamsaError.is(error, 'SAMSA_CONFIG')).toBe(true)
      expect((error as Error).message).toMatch(/sasl\.enabled\.mechanisms for listener SASL_\w+ names GSSAPI, which Samsa does not serve/)
    }
  })

  it('refuses to start a TLS listener without a key store, naming the settings', async () => {
    const error = await startBroker({ listeners: 'SSL://127.0.0.1:0', 'http.port': 0 }).catch((caught: unknown) => caught)
    expect(SamsaError.is(error, 'SAMSA_CONFIG')).toBe(true)
    expect((error as Error).message).toMatch(/Listener SSL uses TLS and has no key store: set ssl\.keystore\.location/)
  })
})
