/**
 * AlterClientQuotas: sets or removes quotas of user and client-id entities (kafka-configs
 * --alter --add-config producer_byte_rate=1048576 --entity-type users --entity-name alice).
 * Needs ALTER_CONFIGS on the cluster, as Kafka asks. Each entry stands alone: an unknown key,
 * a value that is not positive or an entity type Samsa does not serve gets INVALID_REQUEST and
 * changes nothing; validate_only checks without storing.
 */
import { ApiKeys } from '../../protocol/api-keys.js'
import { KafkaErrorCodes } from '../../protocol/error-codes.js'
import { AclOperation, CLUSTER_RESOURCE_NAME, ResourceType } from '../../security/acl.js'
import { QUOTA_KEYS, entityKey, isQuotaKey } from '../../security/client-quota-entity.js'
import type { QuotaChange } from '../../security/security-store.js'
import type { BrokerContext } from '../broker-context.js'
import { defineHandler } from '../handler.js'
import { toQuotaEntity } from './client-quota-entities.js'

export function alterClientQuotasHandler(broker: BrokerContext) {
  return defineHandler({
    apiKey: ApiKeys.AlterClientQuotas,
    advertised: { min: 0, max: 1 },
    async handle(request, context) {
      if (!broker.authorizer.authorize(context, AclOperation.ALTER_CONFIGS, ResourceType.CLUSTER, CLUSTER_RESOURCE_NAME)) {
        return {
          entries: request.entries.map((entry) => ({
            errorCode: KafkaErrorCodes.CLUSTER_AUTHORIZATION_FAILED,
            errorMessage: 'Altering client quotas needs ALTER_CONFIGS on the cluster.',
            entity: entry.entity,
          })),
        }
      }
      const entries = []
      for (const entry of request.entries) {
        const fail = (errorCode: number, errorMessage: string) => ({ errorCode, errorMessage, entity: entry.entity })
        const entity = toQuotaEntity(entry.entity)
        if (typeof entity === 'string') {
          entries.push(fail(KafkaErrorCodes.INVALID_REQUEST, `Invalid quota entity: ${entity}.`))
          continue
        }
        const changes: QuotaChange[] = []
        let problem: string | null = null
        for (const op of entry.ops) {
          if (!isQuotaKey(op.key)) {
            problem = `'${op.key}' is not a client quota (Samsa has ${QUOTA_KEYS.join(', ')})`
            break
          }
          if (!op.remove && !(Number.isFinite(op.value) && op.value > 0)) {
            problem = `${op.key} must be a positive number, not ${op.value}`
            break
          }
          changes.push({ key: op.key, value: op.remove ? null : op.value })
        }
        if (problem !== null) {
          entries.push(fail(KafkaErrorCodes.INVALID_REQUEST, `${problem}.`))
          continue
        }
        if (!request.validateOnly) {
          try {
            await broker.security.alterQuotas(entity, changes)
            broker.logger.info('client quotas altered', { entity: entityKey(entity), changes })
          } catch (error) {
            broker.logger.error('could not store client quotas', { error })
            entries.push(fail(KafkaErrorCodes.UNKNOWN_SERVER_ERROR, 'The quotas could not be stored; see the broker log.'))
            continue
          }
        }
        entries.push({ errorCode: KafkaErrorCodes.NONE, errorMessage: null, entity: entry.entity })
      }
      return { entries }
    },
    errorResponse: (request, errorCode) => ({ entries: request.entries.map((entry) => ({ errorCode, errorMessage: null, entity: entry.entity })) }),
  })
}
