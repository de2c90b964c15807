/**
 * ApiVersions: the versions of every API this broker advertises, and (v3+) the feature levels
 * it runs at (features.ts). Always answered, before any other request and whatever state the
 * connection is in; the response header is always v0 (protocol/headers.ts) so a client can read
 * it before it knows what we speak.
 *
 * v3+ requests name the client software (KIP-511); it is recorded on the connection and logged
 * at debug. Kafka answers INVALID_REQUEST when the name or version has characters outside
 * [a-zA-Z0-9.-] (librdkafka then retries with v0), and so do we.
 */
import type { Logger } from '../../common/logger.js'
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import { type BrokerFeatures, featuresFor } from '../features.js'
import { type ApiHandler, defineHandler } from '../handler.js'

const softwareField = /^[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?$/

export interface ApiVersionsOptions {
  readonly features?: BrokerFeatures
  readonly logger?: Logger
}

export function apiVersionsHandler(handlers: () => readonly ApiHandler[], options: ApiVersionsOptions = {}): ApiHandler<typeof ApiKeys.ApiVersions> {
  const advertised = () =>
    handlers().map((h) => ({ apiKey: h.apiKey, minVersion: h.advertised.min, maxVersion: h.advertised.max }))
  return defineHandler({
    apiKey: ApiKeys.ApiVersions,
    advertised: { min: 0, max: 4 },
    handle(request, context) {
      if (context.apiVersion >= 3 && (!softwareField.test(request.clientSoftwareName) || !softwareField.test(request.clientSoftwareVersion))) {
        return { errorCode: KafkaErrorCodes.INVALID_REQUEST, apiKeys: advertised() }
      }
      if (context.apiVersion >= 3) {
        context.connection.clientSoftware = { name: request.clientSoftwareName, version: request.clientSoftwareVersion }
        options.logger?.debug('client software', {
          connection: context.connection.id,
          remote: `${context.connection.remoteAddress}:${context.connection.remotePort}`,
          clientId: context.header.clientId,
          softwareName: request.clientSoftwareName,
          softwareVersion: request.clientSoftwareVersion,
        })
      }
      const features = options.features === undefined ? {} : featuresFor(options.features, context.apiVersion)
      return { errorCode: KafkaErrorCodes.NONE, apiKeys: advertised(), throttleTimeMs: 0, ...features }
    },
    errorResponse(_request, errorCode) {
      return { errorCode, apiKeys: advertised() }
    },
  })
}
