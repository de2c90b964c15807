/**
 * DescribeAcls: the ACL bindings matching one filter (kafka-acls --list), grouped by resource
 * pattern. Needs DESCRIBE on the cluster; SECURITY_DISABLED without an authorizer; an unknown
 * code in the filter is INVALID_REQUEST.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import type { DescribeAclsResponseInput } from '../../protocol/messages/describe-acls.js'
import { type AclBindingFilter, AclOperation, CLUSTER_RESOURCE_NAME, ResourceType, filterMatches, invalidFilterReason } from '../../security/acl.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'

type Resource = DescribeAclsResponseInput['resources'][number]

export function describeAclsHandler(broker: BrokerContext) {
  const refused = (errorCode: number, errorMessage: string) => ({ errorCode, errorMessage, resources: [] })
  return defineHandler({
    apiKey: ApiKeys.DescribeAcls,
    advertised: { min: 0, max: 3 },
    handle(request, context) {
      if (!broker.authorizer.enabled) return refused(KafkaErrorCodes.SECURITY_DISABLED, 'No authorizer is configured on the broker (authorizer.class.name).')
      if (!broker.authorizer.authorize(context, AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) {
        return refused(KafkaErrorCodes.CLUSTER_AUTHORIZATION_FAILED, 'Listing ACLs needs DESCRIBE on the cluster.')
      }
      const filter: AclBindingFilter = {
        resourceType: request.resourceTypeFilter,
        resourceName: request.resourceNameFilter,
        patternType: request.patternTypeFilter,
        principal: request.principalFilter,
        host: request.hostFilter,
        operation: request.operation,
        permissionType: request.permissionType,
      }
      const reason = invalidFilterReason(filter)
      if (reason !== null) return refused(KafkaErrorCodes.INVALID_REQUEST, `Invalid ACL filter: ${reason}.`)
      const byPattern = new Map<string, Resource & { acls: Resource['acls'][number][] }>()
      for (const binding of broker.security.acls()) {
        if (!filterMatches(filter, binding)) continue
        const key = `${binding.resourceType}:${binding.patternType}:${binding.resourceName}`
        let resource = byPattern.get(key)
        if (resource === undefined) {
          resource = { resourceType: binding.resourceType, resourceName: binding.resourceName, patternType: binding.patternType, acls: [] }
          byPattern.set(key, resource)
        }
        resource.acls.push({ principal: binding.principal, host: binding.host, operation: binding.operation, permissionType: binding.permissionType })
      }
      return { errorCode: KafkaErrorCodes.NONE, errorMessage: null, resources: [...byPattern.values()] }
    },
    errorResponse: (_request, errorCode) => ({ errorCode, errorMessage: null, resources: [] }),
  })
}
