/**
 * CreateAcls: adds ACL bindings (kafka-acls --add). Needs ALTER on the cluster. Each binding
 * is checked on its own: a bad one gets INVALID_REQUEST naming what is wrong and is not stored,
 * the good ones of the same request are. Without an authorizer there is nothing to keep ACLs
 * for, and every creation gets SECURITY_DISABLED, as in Kafka.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import { type AclBinding, AclOperation, CLUSTER_RESOURCE_NAME, ResourceType, describeBinding, invalidBindingReason } from '../../security/acl.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'

export function createAclsHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: ApiKeys.CreateAcls,
    advertised: { min: 0, max: 3 },
    async handle(request, context) {
      const all = (errorCode: number, errorMessage: string) => ({ results: request.creations.map(() => ({ errorCode, errorMessage })) })
      if (!broker.authorizer.enabled) return all(KafkaErrorCodes.SECURITY_DISABLED, 'No authorizer is configured on the broker (authorizer.class.name).')
      if (!broker.authorizer.authorize(context, AclOperation.ALTER, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) {
        return all(KafkaErrorCodes.CLUSTER_AUTHORIZATION_FAILED, 'Creating ACLs needs ALTER on the cluster.')
      }
      const results: Array<{ errorCode: number; errorMessage: string | null }> = []
      const valid: AclBinding[] = []
      for (const creation of request.creations) {
        const binding: AclBinding = {
          resourceType: creation.resourceType as AclBinding['resourceType'],
          resourceName: creation.resourceName,
          patternType: creation.resourcePatternType as AclBinding['patternType'],
          principal: creation.principal,
          host: creation.host,
          operation: creation.operation as AclBinding['operation'],
          permissionType: creation.permissionType as AclBinding['permissionType'],
        }
        const reason = invalidBindingReason(binding)
        if (reason !== null) {
          results.push({ errorCode: KafkaErrorCodes.INVALID_REQUEST, errorMessage: `Invalid ACL: ${reason}.` })
        } else {
          results.push({ errorCode: KafkaErrorCodes.NONE, errorMessage: null })
          valid.push(binding)
        }
      }
      try {
        await broker.security.createAcls(valid)
      } catch (error) {
        broker.logger.error('could not store ACLs', { error })
        for (const result of results) {
          if (result.errorCode === KafkaErrorCodes.NONE) Object.assign(result, { errorCode: KafkaErrorCodes.UNKNOWN_SERVER_ERROR, errorMessage: 'The ACLs could not be stored; see the broker log.' })
        }
        return { results }
      }
      for (const binding of valid) broker.logger.info('ACL created', { acl: describeBinding(binding) })
      return { results }
    },
    errorResponse: (request, errorCode) => ({ results: request.creations.map(() => ({ errorCode, errorMessage: null })) }),
  })
}
