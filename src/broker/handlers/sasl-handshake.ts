/**
 * SaslHandshake: the client names the mechanism it wants; the connection's authenticator
 * (network/sasl-authenticator.ts) accepts it or answers UNSUPPORTED_SASL_MECHANISM with the
 * listener's enabled mechanisms. A listener without SASL offers no mechanism: the client gets
 * UNSUPPORTED_SASL_MECHANISM and an empty list, which clients report as a configuration error at
 * once rather than after a timeout.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'

export function saslHandshakeHandler(context: BrokerContext) {
  return defineHandler({
    apiKey: ApiKeys.SaslHandshake,
    advertised: { min: 0, max: 1 },
    handle(request, { connection, apiVersion }) {
      const authenticator = context.saslAuthenticators.of(connection)
      if (authenticator === undefined) return { errorCode: KafkaErrorCodes.UNSUPPORTED_SASL_MECHANISM, mechanisms: [] }
      return authenticator.handshake(request.mechanism, apiVersion)
    },
    errorResponse(_request, errorCode) {
      return { errorCode, mechanisms: [] }
    },
  })
}
