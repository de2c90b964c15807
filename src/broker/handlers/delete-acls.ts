/**
 * DeleteAcls: removes the ACL bindings matching each filter (kafka-acls --remove) and answers,
 * per filter, with the bindings it removed (a binding two filters match is reported once, under
 * the first). Needs ALTER on the cluster; SECURITY_DISABLED without an authorizer; a filter with
 * an unknown code gets INVALID_REQUEST and removes nothing.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { DeleteAclsResponseInput } from '../../protocol/messages/delete-acls.js'
import {
  type AclBinding,
  type AclBindingFilter,
  AclOperation,
  CLUSTER_RESOURCE_NAME,
  ResourceType,
  bindingKey,
  describeBinding,
  filterMatches,
  invalidFilterReason,
} from '../../security/acl.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'

type FilterResult = DeleteAclsResponseInput['filterResults'][number]

export function deleteAclsHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: ApiKeys.DeleteAcls,
    advertised: { min: 0, max: 3 },
    async handle(request, context) {
      const all = (errorCode: number, errorMessage: string) => ({ filterResults: request.filters.map(() => ({ errorCode, errorMessage, matchingAcls: [] })) })
      if (!broker.authorizer.enabled) return all(KafkaErrorCodes.SECURITY_DISABLED, 'No authorizer is configured on the broker (authorizer.class.name).')
      if (!broker.authorizer.authorize(context, AclOperation.ALTER, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) {
        return all(KafkaErrorCodes.CLUSTER_AUTHORIZATION_FAILED, 'Deleting ACLs needs ALTER on the cluster.')
      }
      const existing = broker.security.acls()
      const taken = new Set<string>()
      const removed: AclBinding[] = []
      const filterResults: FilterResult[] = request.filters.map((f): FilterResult => {
        const filter: AclBindingFilter = {
          resourceType: f.resourceTypeFilter,
          resourceName: f.resourceNameFilter,
          patternType: f.patternTypeFilter,
          principal: f.principalFilter,
          host: f.hostFilter,
          operation: f.operation,
          permissionType: f.permissionType,
        }
        const reason = invalidFilterReason(filter)
        if (reason !== null) return { errorCode: KafkaErrorCodes.INVALID_REQUEST, errorMessage: `Invalid ACL filter: ${reason}.`, matchingAcls: [] }
        const matchingAcls: FilterResult['matchingAcls'] = []
        for (const binding of existing) {
          if (!filterMatches(filter, binding)) continue
          const key = bindingKey(binding)
          if (taken.has(key)) continue
          taken.add(key)
          removed.push(binding)
          matchingAcls.push({ errorCode: KafkaErrorCodes.NONE, errorMessage: null, ...binding })
        }
        return { errorCode: KafkaErrorCodes.NONE, errorMessage: null, matchingAcls }
      })
      try {
        await broker.security.deleteAcls(removed)
      } catch (error) {
        broker.logger.error('could not delete ACLs', { error })
        return all(KafkaErrorCodes.UNKNOWN_SERVER_ERROR, 'The ACLs could not be deleted; see the broker log.')
      }
      for (const binding of removed) broker.logger.info('ACL deleted', { acl: describeBinding(binding) })
      return { filterResults }
    },
    errorResponse: (request, errorCode) => ({ filterResults: request.filters.map(() => ({ errorCode, errorMessage: null, matchingAcls: [] })) }),
  })
}
