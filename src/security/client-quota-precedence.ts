/**
 * Which client quota applies to a request, by Kafka's precedence rules (most specific first):
 *
 *   1. /config/users/<user>/clients/<client-id>
 *   2. /config/users/<user>/clients/<default>
 *   3. /config/users/<user>
 *   4. /config/users/<default>/clients/<client-id>
 *   5. /config/users/<default>/clients/<default>
 *   6. /config/users/<default>
 *   7. /config/clients/<client-id>
 *   8. /config/clients/<default>
 *
 * Each quota key (producer_byte_rate, ...) is resolved on its own: a user may take its produce
 * rate from level 3 and its request percentage from level 8. The level also says who shares the
 * quota, as Kafka's default quota callback tags its metrics: a quota set for a user alone (3, 6)
 * is shared by all that user's client ids; one set for a client id alone (7, 8) by all users of
 * that client id; the others bound each (user, client id) pair.
 */
import { type ClientQuotaEntity, type QuotaKey, entityKey } from './client-quota-entity.js'

export interface ResolvedQuota {
  readonly limit: number
  /** The user tag of the shared measurement ('' when shared across users). */
  readonly userTag: string
  /** The client-id tag of the shared measurement ('' when shared across client ids). */
  readonly clientTag: string
}

type Level = readonly [entity: ClientQuotaEntity, shareUser: boolean, shareClient: boolean]

function levels(user: string, clientId: string): Level[] {
  return [
    [{ user, clientId }, true, true],
    [{ user, clientId: null }, true, true],
    [{ user }, true, false],
    [{ user: null, clientId }, true, true],
    [{ user: null, clientId: null }, true, true],
    [{ user: null }, true, false],
    [{ clientId }, false, true],
    [{ clientId: null }, false, true],
  ]
}

/** The quota on `key` for this user and client id, or null when none applies. */
export function resolveQuota(
  quotas: ReadonlyMap<string, Readonly<Partial<Record<QuotaKey, number>>>>,
  key: QuotaKey,
  user: string,
  clientId: string,
): ResolvedQuota | null {
  for (const [entity, byUser, byClient] of levels(user, clientId)) {
    const limit = quotas.get(entityKey(entity))?.[key]
    if (limit !== undefined) return { limit, userTag: byUser ? user : '', clientTag: byClient ? clientId : '' }
  }
  return null
}
