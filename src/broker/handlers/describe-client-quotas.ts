/**
 * DescribeClientQuotas: the quotas of the entities matching the request's components
 * (kafka-configs --describe --entity-type users/clients). A component matches an entity that
 * has its type with exactly the given name (match type 0), the default name (1), or any name (2);
 * with `strict` an entity must have no other types. Needs DESCRIBE_CONFIGS on the cluster, as
 * Kafka asks.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../../security/acl.js'
import { CLIENT_ID_ENTITY, type ClientQuotaEntity, USER_ENTITY } from '../../security/client-quota-entity.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { fromQuotaEntity } from './client-quota-entities.js'

const MATCH_EXACT = 0
const MATCH_DEFAULT = 1
const MATCH_SPECIFIED = 2

export function describeClientQuotasHandler(broker: BrokerContext) {
  const refused = (errorCode: number, errorMessage: string) => ({ errorCode, errorMessage, entries: null })
  return defineHandler({
    apiKey: ApiKeys.DescribeClientQuotas,
    advertised: { min: 0, max: 1 },
    handle(request, context) {
      if (!broker.authorizer.authorize(context, AclOperation.DESCRIBE_CONFIGS, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) {
        return refused(KafkaErrorCodes.CLUSTER_AUTHORIZATION_FAILED, 'Describing client quotas needs DESCRIBE_CONFIGS on the cluster.')
      }
      const seen = new Set<string>()
      for (const component of request.components) {
        if (component.entityType !== USER_ENTITY && component.entityType !== CLIENT_ID_ENTITY) {
          return refused(KafkaErrorCodes.INVALID_REQUEST, `Entity type '${component.entityType}' is not served (Samsa has quotas for ${USER_ENTITY} and ${CLIENT_ID_ENTITY}).`)
        }
        if (seen.has(component.entityType)) return refused(KafkaErrorCodes.INVALID_REQUEST, `Entity type ${component.entityType} appears twice in the filter.`)
        seen.add(component.entityType)
        if (component.matchType !== MATCH_EXACT && component.matchType !== MATCH_DEFAULT && component.matchType !== MATCH_SPECIFIED) {
          return refused(KafkaErrorCodes.INVALID_REQUEST, `Unknown match type ${component.matchType}.`)
        }
        if (component.matchType === MATCH_EXACT && component.match === null) return refused(KafkaErrorCodes.INVALID_REQUEST, 'An exact match needs a name.')
      }
      const name = (entity: ClientQuotaEntity, type: string) => (type === USER_ENTITY ? entity.user : entity.clientId)
      const matches = (entity: ClientQuotaEntity): boolean => {
        for (const component of request.components) {
          const value = name(entity, component.entityType)
          if (value === undefined) return false
          if (component.matchType === MATCH_EXACT && value !== component.match) return false
          if (component.matchType === MATCH_DEFAULT && value !== null) return false
        }
        if (!request.strict) return true
        return (entity.user === undefined || seen.has(USER_ENTITY)) && (entity.clientId === undefined || seen.has(CLIENT_ID_ENTITY))
      }
      const entries = broker.security.quotas()
        .filter(({ entity }) => matches(entity))
        .map(({ entity, values }) => ({
          entity: fromQuotaEntity(entity),
          values: Object.entries(values).map(([key, value]) => ({ key, value: value as number })),
        }))
      return { errorCode: KafkaErrorCodes.NONE, errorMessage: null, entries }
    },
    errorResponse: (_request, errorCode) => ({ errorCode, errorMessage: null, entries: null }),
  })
}
