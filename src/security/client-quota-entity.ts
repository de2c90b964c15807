/**
 * Who a client quota applies to, in Kafka's terms: a user (the principal's name), a client id,
 * or both, each either named or the default (`<default>`, which applies to every user or client
 * id that has no quota of its own). Kafka keeps them as config paths such as
 * `/config/users/alice/clients/app-1`; the precedence rules pick the most specific one that has
 * the setting (see client-quota-precedence.ts).
 */
export const QUOTA_KEYS = ['producer_byte_rate', 'consumer_byte_rate', 'request_percentage'] as const
export type QuotaKey = (typeof QUOTA_KEYS)[number]

export function isQuotaKey(key: string): key is QuotaKey {
  return (QUOTA_KEYS as readonly string[]).includes(key)
}

/** An entity part: absent (undefined) when the entity does not name that type; null for the default. */
export interface ClientQuotaEntity {
  readonly user?: string | null
  readonly clientId?: string | null
}

export const USER_ENTITY = 'user'
export const CLIENT_ID_ENTITY = 'client-id'

/** A stable text form, also the store's key: `user=alice,client-id=<default>`. */
export function entityKey(entity: ClientQuotaEntity): string {
  const parts: string[] = []
  if (entity.user !== undefined) parts.push(`user=${entity.user === null ? '<default>' : encodeURIComponent(entity.user)}`)
  if (entity.clientId !== undefined) parts.push(`client-id=${entity.clientId === null ? '<default>' : encodeURIComponent(entity.clientId)}`)
  return parts.join(',')
}

export function entityFromKey(key: string): ClientQuotaEntity {
  let user: string | null | undefined
  let clientId: string | null | undefined
  for (const part of key.split(',')) {
    const eq = part.indexOf('=')
    const type = part.slice(0, eq)
    const raw = part.slice(eq + 1)
    const name = raw === '<default>' ? null : decodeURIComponent(raw)
    if (type === 'user') user = name
    else if (type === 'client-id') clientId = name
  }
  return { ...(user !== undefined ? { user } : {}), ...(clientId !== undefined ? { clientId } : {}) }
}
