/**
 * DescribeUserScramCredentials: each user's SCRAM mechanisms and iteration counts, never the
 * salt or keys (`kafka-configs --describe --entity-type users`). No user list, or an empty one,
 * describes every user with a credential; a named user without one is RESOURCE_NOT_FOUND and a
 * user named twice DUPLICATE_RESOURCE, as in Kafka.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import { SCRAM_MECHANISM_CODES } from '../../security/sasl/scram-credential.js'
import type { ScramUserDescription } from '../../security/sasl/scram-credential-store.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'

export function describeUserScramCredentialsHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: ApiKeys.DescribeUserScramCredentials,
    advertised: { min: 0, max: 0 },
    handle(request) {
      const all = broker.scramCredentials.users()
      const described = (description: ScramUserDescription) => ({
        user: description.user,
        errorCode: KafkaErrorCodes.NONE,
        errorMessage: null,
        credentialInfos: description.credentials.map((c) => ({ mechanism: SCRAM_MECHANISM_CODES[c.mechanism], iterations: c.iterations })),
      })
      if (request.users === null || request.users.length === 0) {
        return { throttleTimeMs: 0, errorCode: KafkaErrorCodes.NONE, results: all.map(described) }
      }
      const byName = new Map(all.map((d) => [d.user, d]))
      const counts = new Map<string, number>()
      for (const { name } of request.users) counts.set(name, (counts.get(name) ?? 0) + 1)
      const results = [...counts].map(([user, count]) => {
        if (count > 1) {
          return { user, errorCode: KafkaErrorCodes.DUPLICATE_RESOURCE, errorMessage: 'Cannot describe SCRAM credentials for the same user twice in a single request', credentialInfos: [] }
        }
        const description = byName.get(user)
        if (description === undefined) {
          return { user, errorCode: KafkaErrorCodes.RESOURCE_NOT_FOUND, errorMessage: 'Attempt to describe a user credential that does not exist', credentialInfos: [] }
        }
        return described(description)
      })
      return { throttleTimeMs: 0, errorCode: KafkaErrorCodes.NONE, results }
    },
    errorResponse(_request, errorCode) {
      return { throttleTimeMs: 0, errorCode, results: [] }
    },
  })
}
