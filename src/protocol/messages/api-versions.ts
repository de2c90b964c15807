/**
 * ApiVersions (API key 18): which APIs and versions the broker serves. The first request of every
 * connection, answered before authentication.
 *
 * Versions 0-4; flexible from 3. The response always travels with response header v0, even when
 * its body is flexible (see headers.ts), so a client can parse it without knowing our versions.
 * A request of a version we do not know is answered with a v0 body carrying UNSUPPORTED_VERSION.
 */
import { defineMessage, type MessageInput, type MessageType } from '../message.js'
import { field } from '../schema.js'

/*
 * ApiVersions Request (v0-4)
 *   => client_software_name(v3+) client_software_version(v3+)
 */
export const apiVersionsRequest = defineMessage({
  name: 'ApiVersionsRequest',
  apiKey: 18,
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: {
    clientSoftwareName: field.string({ versions: '3+', default: '' }),
    clientSoftwareVersion: field.string({ versions: '3+', default: '' }),
  },
})

export type ApiVersionsRequest = MessageType<typeof apiVersionsRequest>
export type ApiVersionsRequestInput = MessageInput<typeof apiVersionsRequest>

/*
 * ApiVersions Response (v0-4)
 *   => error_code [api_keys] throttle_time_ms(v1+)
 *      <supported_features: tag 0> <finalized_features_epoch: tag 1>
 *      <finalized_features: tag 2> <zk_migration_ready: tag 3>          (tags: v3+)
 *   api_keys => api_key min_version max_version
 *   supported_features => name min_version max_version
 *   finalized_features => name max_version_level min_version_level
 */
export const apiVersionsResponse = defineMessage({
  name: 'ApiVersionsResponse',
  apiKey: 18,
  validVersions: '0-4',
  flexibleVersions: '3+',
  fields: {
    errorCode: field.int16(),
    apiKeys: field.array({
      apiKey: field.int16(),
      minVersion: field.int16(),
      maxVersion: field.int16(),
    }),
    throttleTimeMs: field.int32({ versions: '1+', default: 0 }),
    supportedFeatures: field.array(
      {
        name: field.string(),
        minVersion: field.int16(),
        maxVersion: field.int16(),
      },
      { versions: '3+', taggedVersions: '3+', tag: 0 },
    ),
    finalizedFeaturesEpoch: field.int64({ versions: '3+', taggedVersions: '3+', tag: 1, default: -1n }),
    finalizedFeatures: field.array(
      {
        name: field.string(),
        maxVersionLevel: field.int16(),
        minVersionLevel: field.int16(),
      },
      { versions: '3+', taggedVersions: '3+', tag: 2 },
    ),
    zkMigrationReady: field.bool({ versions: '3+', taggedVersions: '3+', tag: 3, default: false }),
  },
})

export type ApiVersionsResponse = MessageType<typeof apiVersionsResponse>
export type ApiVersionsResponseInput = MessageInput<typeof apiVersionsResponse>
