/**
 * SaslAuthenticate: one SASL token, handed to the connection's authenticator
 * (network/sasl-authenticator.ts). On a listener without SASL there is no exchange to take part
 * in: ILLEGAL_SASL_STATE, with a message that says so.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'

export function saslAuthenticateHandler(context: BrokerContext) {
  return defineHandler({
    apiKey: ApiKeys.SaslAuthenticate,
    advertised: { min: 0, max: 2 },
    handle(request, { connection, apiVersion }) {
      const authenticator = context.saslAuthenticators.of(connection)
      if (authenticator === undefined) {
        return {
          errorCode: KafkaErrorCodes.ILLEGAL_SASL_STATE,
          errorMessage: `Listener ${connection.listenerName} does not use SASL; connect to a SASL_PLAINTEXT or SASL_SSL listener to authenticate.`,
          authBytes: Buffer.alloc(0),
        }
      }
      return authenticator.authenticate(request.authBytes, apiVersion)
    },
    errorResponse(_request, errorCode) {
      return { errorCode, authBytes: Buffer.alloc(0) }
    },
  })
}
