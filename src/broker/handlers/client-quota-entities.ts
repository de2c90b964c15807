/**
 * The entity of a DescribeClientQuotas / AlterClientQuotas entry as a ClientQuotaEntity, or why
 * it is not one: Samsa's quotas apply to users and client ids (Kafka's `ip` connection-rate
 * quotas are not served), each named at most once.
 */
import { CLIENT_ID_ENTITY, type ClientQuotaEntity, USER_ENTITY } from '../../security/client-quota-entity.js'

export function toQuotaEntity(parts: ReadonlyArray<{ readonly entityType: string; readonly entityName: string | null }>): ClientQuotaEntity | string {
  let user: string | null | undefined
  let clientId: string | null | undefined
  if (parts.length === 0) return 'the entity is empty'
  for (const part of parts) {
    if (part.entityType === USER_ENTITY) {
      if (user !== undefined) return `entity type ${USER_ENTITY} appears twice`
      user = part.entityName
    } else if (part.entityType === CLIENT_ID_ENTITY) {
      if (clientId !== undefined) return `entity type ${CLIENT_ID_ENTITY} appears twice`
      clientId = part.entityName
    } else {
      return `entity type '${part.entityType}' is not served (Samsa has quotas for ${USER_ENTITY} and ${CLIENT_ID_ENTITY})`
    }
  }
  return { ...(user !== undefined ? { user } : {}), ...(clientId !== undefined ? { clientId } : {}) }
}

/** The entity in the wire form, user first. */
export function fromQuotaEntity(entity: ClientQuotaEntity): Array<{ entityType: string; entityName: string | null }> {
  const parts: Array<{ entityType: string; entityName: string | null }> = []
  if (entity.user !== undefined) parts.push({ entityType: USER_ENTITY, entityName: entity.user })
  if (entity.clientId !== undefined) parts.push({ entityType: CLIENT_ID_ENTITY, entityName: entity.clientId })
  return parts
}
