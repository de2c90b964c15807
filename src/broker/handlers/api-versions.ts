/**
 * ApiVersions: the versions of every API this broker advertises. Always answered, before any
 * other request and whatever state the connection is in; the response header is always v0
 * (protocol/headers.ts) so a client can read it before it knows what we speak.
 *
 * v3+ requests name the client software; Kafka answers INVALID_REQUEST when the name or version
 * has characters outside [a-zA-Z0-9.-] (librdkafka then retries with v0), and so do we.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import { type ApiHandler, defineHandler } from '../handler.js'

const softwareField = /^[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?$/

export function apiVersionsHandler(handlers: () => readonly ApiHandler[]): ApiHandler<typeof ApiKeys.ApiVersions> {
  const advertised = () =>
    handlers().map((h) => ({ apiKey: h.apiKey, minVersion: h.advertised.min, maxVersion: h.advertised.max }))
  return defineHandler({
    apiKey: ApiKeys.ApiVersions,
    advertised: { min: 0, max: 4 },
    handle(request, context) {
      if (context.apiVersion >= 3 && (!softwareField.test(request.clientSoftwareName) || !softwareField.test(request.clientSoftwareVersion))) {
        return { errorCode: KafkaErrorCodes.INVALID_REQUEST, apiKeys: advertised() }
      }
      return { errorCode: KafkaErrorCodes.NONE, apiKeys: advertised(), throttleTimeMs: 0 }
    },
    errorResponse(_request, errorCode) {
      return { errorCode, apiKeys: advertised() }
    },
  })
}
