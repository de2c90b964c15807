/**
 * Who sent a request, in Kafka's terms: a principal type and a name, written `User:alice`.
 * The listener's security protocol decides how a connection gets one: SASL sets it from the
 * authenticated user, SSL with client authentication from the certificate's distinguished name
 * (through ssl.principal.mapping.rules), and every other connection is `User:ANONYMOUS`, as in
 * Kafka. ACLs, quotas and logs name principals in this form.
 */
export interface KafkaPrincipal {
  /** `User` for every principal Kafka's built-in builders produce. */
  readonly principalType: string
  readonly name: string
}

export const ANONYMOUS: KafkaPrincipal = Object.freeze({ principalType: 'User', name: 'ANONYMOUS' })

/** `User:alice`, the form ACLs, super.users and kafka-acls use. */
export function principalToString(principal: KafkaPrincipal): string {
  return `${principal.principalType}:${principal.name}`
}

/** Parses `User:alice` (the name may itself contain colons, as a certificate DN can). */
export function parsePrincipal(text: string): KafkaPrincipal | null {
  const colon = text.indexOf(':')
  if (colon <= 0 || colon === text.length - 1) return null
  return { principalType: text.slice(0, colon), name: text.slice(colon + 1) }
}
