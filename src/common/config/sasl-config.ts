/**
 * Kafka's SASL broker settings, and their listener-prefixed forms. Kafka lets each listener
 * override a SASL setting, and each mechanism on a listener override it again:
 *
 *   listener.name.<listener>.<mechanism>.<setting>   (listener.name.sasl_ssl.plain.sasl.jaas.config)
 *   listener.name.<listener>.<setting>               (listener.name.sasl_ssl.sasl.enabled.mechanisms)
 *   <setting>                                        (sasl.jaas.config)
 *
 * the most specific winning. Listener and mechanism names are matched case-insensitively, as in
 * Kafka (it lower-cases them in the prefix).
 */
import { type ConfigDef, booleanDef, intDef, listDef, longDef, parseValue, stringDef } from './config-def.js'

function passwordDef(doc: string): ConfigDef<string> {
  return { type: 'password', default: null, doc }
}

export const SUPPORTED_SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'] as const

export const saslConfigDefs = {
  'sasl.enabled.mechanisms': listDef(['GSSAPI'], `SASL mechanisms a SASL listener offers (Samsa: ${SUPPORTED_SASL_MECHANISMS.join(', ')}; Kafka's default GSSAPI is not served)`),
  'sasl.mechanism.inter.broker.protocol': stringDef('GSSAPI', 'the SASL mechanism brokers use with each other when the inter-broker listener is SASL_*'),
  'sasl.jaas.config': passwordDef('JAAS login configuration: PlainLoginModule user_<name>="<password>" entries, and username/password for inter-broker logins'),
  'sasl.server.max.receive.size': intDef(524288, 'largest frame accepted before authentication completes (CVE-2022-34917)', { min: 1 }),
  'sasl.server.callback.handler.class': stringDef(null, 'OAUTHBEARER: org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler checks signed tokens against sasl.oauthbearer.jwks.endpoint.url; unset, unsecured tokens are accepted'),
  'sasl.oauthbearer.jwks.endpoint.url': stringDef(null, 'OAUTHBEARER: the issuer\'s JSON Web Key Set, an http(s) or file: URL; set, tokens must be signed by one of its keys'),
  'sasl.oauthbearer.jwks.endpoint.refresh.ms': longDef(3600000, 'OAUTHBEARER: how often the JWKS is fetched again', { min: 1 }),
  'sasl.oauthbearer.jwks.endpoint.retry.backoff.ms': longDef(100, 'OAUTHBEARER: least time between fetches of the JWKS for an unknown key id', { min: 0 }),
  'sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms': longDef(10000, 'OAUTHBEARER: accepted for Kafka compatibility (Samsa retries at the backoff)', { min: 0 }),
  'sasl.oauthbearer.expected.audience': listDef([], 'OAUTHBEARER: tokens must name one of these audiences (aud) when set'),
  'sasl.oauthbearer.expected.issuer': stringDef(null, 'OAUTHBEARER: tokens must name this issuer (iss) when set'),
  'sasl.oauthbearer.sub.claim.name': stringDef('sub', 'OAUTHBEARER: the claim that names the principal'),
  'sasl.oauthbearer.scope.claim.name': stringDef('scope', 'OAUTHBEARER: the claim that lists the scopes'),
  'sasl.oauthbearer.clock.skew.seconds': intDef(30, 'OAUTHBEARER: clock difference tolerated on exp and iat', { min: 0 }),
  'connections.max.reauth.ms': longDef(0, 'SASL session lifetime: clients must re-authenticate within it (KIP-368); 0 never', { min: 0 }),
  'sasl.server.authentication.timeout.ms': longDef(30000, 'Samsa: a SASL connection that has not authenticated this long after it opened is closed', { min: 1 }),
  'sasl.kerberos.service.name': stringDef(null, 'GSSAPI (not served by Samsa); accepted so a Kafka configuration starts'),
  'sasl.login.refresh.buffer.seconds': intDef(300, 'client-side login refresh (accepted for Kafka compatibility)'),
  'sasl.login.callback.handler.class': stringDef(null, 'client-side login handler (accepted for Kafka compatibility)'),
  'sasl.oauthbearer.token.endpoint.url': stringDef(null, 'client-side token endpoint (accepted for Kafka compatibility)'),
  'sasl.client.callback.handler.class': stringDef(null, 'client-side callback handler (accepted for Kafka compatibility)'),
  'sasl.login.class': stringDef(null, 'client-side login class (accepted for Kafka compatibility)'),
  'sasl.kerberos.principal.to.local.rules': listDef(['DEFAULT'], 'GSSAPI (not served by Samsa)'),
  'sasl.login.refresh.window.factor': stringDef(null, 'client-side (accepted for Kafka compatibility)'),
  'sasl.enable.reauthentication': booleanDef(true, 'unused on the broker (accepted for Kafka compatibility)'),
} as const satisfies Record<string, ConfigDef<any>>

export type SaslConfigName = keyof typeof saslConfigDefs

/** Settings that Kafka accepts with a listener (and mechanism) prefix. */
const PREFIXABLE = new Set<string>(Object.keys(saslConfigDefs))

/**
 * Splits `listener.name.<listener>[.<mechanism>].<setting>` into its parts, or null when the key
 * is not a listener-prefixed SASL setting. The mechanism part exists only when what follows the
 * listener is not itself a setting name.
 */
export function parseListenerPrefixedSaslKey(key: string): { listener: string; mechanism: string | null; setting: SaslConfigName } | null {
  const match = /^listener\.name\.([a-z0-9_]+)\.(.+)$/i.exec(key)
  if (match === null) return null
  const rest = match[2]!
  if (PREFIXABLE.has(rest)) return { listener: match[1]!.toUpperCase(), mechanism: null, setting: rest as SaslConfigName }
  const dot = rest.indexOf('.')
  if (dot <= 0) return null
  const setting = rest.slice(dot + 1)
  if (!PREFIXABLE.has(setting)) return null
  return { listener: match[1]!.toUpperCase(), mechanism: rest.slice(0, dot).toUpperCase(), setting: setting as SaslConfigName }
}

/** Listener-prefixed SASL settings as given, validated, keyed `LISTENER|MECHANISM|setting`. */
export class ListenerSaslSettings {
  readonly #values = new Map<string, unknown>()

  /** Parses and stores one prefixed setting; throws SAMSA_CONFIG naming `key` on a bad value. */
  set(key: string, parsed: NonNullable<ReturnType<typeof parseListenerPrefixedSaslKey>>, text: string): void {
    const value = parseValue(key, saslConfigDefs[parsed.setting] as ConfigDef<unknown>, text)
    this.#values.set(`${parsed.listener}|${parsed.mechanism ?? ''}|${parsed.setting}`, value)
  }

  /** The most specific override for (listener, mechanism), or undefined to fall back to the unprefixed setting. */
  get(listener: string, mechanism: string | null, setting: SaslConfigName): unknown {
    const upper = listener.toUpperCase()
    if (mechanism !== null) {
      const specific = this.#values.get(`${upper}|${mechanism.toUpperCase()}|${setting}`)
      if (specific !== undefined) return specific
    }
    return this.#values.get(`${upper}||${setting}`)
  }
}
