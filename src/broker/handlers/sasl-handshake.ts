/**
 * SaslHandshake: Samsa's listeners are PLAINTEXT, so no SASL mechanism is enabled. A client
 * configured for SASL gets UNSUPPORTED_SASL_MECHANISM and the (empty) list of mechanisms, which
 * clients report as a clear configuration error, rather than a dropped connection.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import { defineHandler } from '../handler.js'

export const saslHandshakeHandler = defineHandler({
  apiKey: ApiKeys.SaslHandshake,
  advertised: { min: 0, max: 1 },
  handle() {
    return { errorCode: KafkaErrorCodes.UNSUPPORTED_SASL_MECHANISM, mechanisms: [] }
  },
  errorResponse(_request, errorCode) {
    return { errorCode, mechanisms: [] }
  },
})
